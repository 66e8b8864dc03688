"""Backups: one archive of the whole database and the uploaded files (`emis backup` / `emis restore`).

The database part is the engine's own exact copy, so every row, sequence and index comes back as it was:
SQLite's online backup API (a consistent snapshot while the server keeps running) or PostgreSQL's
`pg_dump --format=custom`, restored with `pg_restore --clean` in one transaction. An archive is therefore
restored into the same engine it was taken from; moving between engines is a different job.

The archive is a gzip'd tar: `manifest.json` first (format, engine, the applied migrations, row counts),
then `database.sqlite3` or `database.pgdump`, then `media/...`: every file of the uploads storage
(emis.core.files) under its storage name, wherever the storage keeps it (a directory or an S3 bucket).
Restoring checks the manifest before it touches anything: same engine, the same applied migrations as the
target database (a database built by another version of the code would be left half-upgraded), and an empty
target unless forced.

ID numbers are encrypted in the database (emis.core.crypto), so an archive holds only their ciphertext:
the data keys live in the environment and are never written into a backup.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from . import crypto, files

FORMAT = "emis-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in Chinese."""


@dataclass
class Manifest:
    engine: str
    migrations: list[str]
    tables: dict[str, int]
    created_at: str = ""
    media_files: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def schema(self) -> dict[str, str]:
        """The last applied migration of each app (names sort in order: 0001_..., 0002_...)."""
        last: dict[str, str] = {}
        for item in self.migrations:
            app, name = item.split(".", 1)
            last[app] = max(last.get(app, ""), name)
        return last

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": self.created_at,
            "engine": self.engine,
            "schema": self.schema,
            "migrations": self.migrations,
            "tables": self.tables,
            "media_files": self.media_files,
            **self.extra,
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise BackupError(_("备份文件的清单无法读取。")) from exc
        if data.get("format") != FORMAT or data.get("version") != FORMAT_VERSION:
            raise BackupError(_("不是本系统的备份文件，或备份格式版本不受支持。"))
        return cls(
            engine=data["engine"],
            migrations=list(data["migrations"]),
            tables=dict(data["tables"]),
            created_at=data.get("created_at", ""),
            media_files=int(data.get("media_files", 0)),
        )


# The database ----------------------------------------------------------------------------------------------


def engine_name(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(_("不支持该数据库类型的备份：{vendor}。").format(vendor=vendor))
    return vendor


def applied_migrations(using: str = "default") -> list[str]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def project_models():
    """Every concrete table the project owns (its apps' models and their many-to-many tables)."""
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        yield model


def table_counts(using: str = "default") -> dict[str, int]:
    tables = set(connections[using].introspection.table_names())
    return {
        model._meta.db_table: model._base_manager.using(using).count()
        for model in project_models()
        if model._meta.db_table in tables
    }


def is_empty(using: str = "default") -> bool:
    """No row in any of the project's own tables. Content types and permissions do not count: `migrate` and
    `flush` create them in every database; nor do the reference rows an app writes there itself (a model with
    ``reference_data = True``, as aid's programmes and first standards)."""
    tables = set(connections[using].introspection.table_names())
    for model in project_models():
        if not model.__module__.startswith("emis.") or model._meta.db_table not in tables:
            continue
        if getattr(model, "reference_data", False):
            continue
        if model._base_manager.using(using).exists():
            return False
    return True


def _pg_env(using: str) -> tuple[dict, str]:
    db = connections[using].settings_dict
    env = dict(os.environ)
    for key, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER"))):
        if value:
            env[key] = str(value)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env, db["NAME"]


def _run(args: list[str], env: dict) -> None:
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(_("找不到 {tool}：请安装 PostgreSQL 客户端工具。").format(tool=args[0])) from exc
    if result.returncode != 0:
        raise BackupError(_("{tool} 失败：{error}").format(tool=args[0], error=result.stderr.strip()[-2000:]))


def _dump_database(path: Path, engine: str, using: str) -> None:
    connection = connections[using]
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            # A consistent snapshot page by page, while other connections keep reading and writing.
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        env, name = _pg_env(using)
        # Uncompressed: the archive around it is gzip'd once.
        args = ["pg_dump", "--format=custom", "--compress=0", "--no-owner", "--no-privileges", "-f", str(path), name]
        _run(args, env)


def _load_database(path: Path, engine: str, using: str) -> None:
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError(_("恢复不能在事务中进行。"))
    if engine == "sqlite":
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            # Replaces every page of the live database, schema and sequences included.
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        env, name = _pg_env(using)
        connection.close()  # hold no locks on the tables pg_restore drops
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                name,
                str(path),
            ],
            env,
        )
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


# Media: the uploads storage, by name ------------------------------------------------------------------------


def _media_files() -> list[str]:
    return sorted(files.names(""))


def _add_media(tar: tarfile.TarFile, names: list[str]) -> None:
    storage = files.upload_storage()
    for name in names:
        with storage.open(name, "rb") as handle:
            info = tarfile.TarInfo(MEDIA_PREFIX + name)
            info.size = storage.size(name)
            info.mtime = int(storage.get_modified_time(name).timestamp())
            tar.addfile(info, handle)


def _restore_media(directory: Path) -> None:
    """Put each extracted file back under its own name (replacing a file of that name)."""
    storage = files.upload_storage()
    for src in sorted(directory.rglob("*")):
        if src.is_file():
            name = src.relative_to(directory).as_posix()
            storage.delete(name)
            with open(src, "rb") as handle:
                stored = storage.save(name, File(handle, name=src.name))
            if stored != name:
                raise BackupError(_("上传文件“{name}”无法按原名恢复。").format(name=name))


# Backup and restore ----------------------------------------------------------------------------------------


def backup(
    out: str | os.PathLike, *, using: str = "default", include_media: bool = True, encrypt: bool = True
) -> Manifest:
    """Write the archive to `out` (through a temporary file beside it, so a failed backup leaves no half file),
    encrypted with a key derived from the current data key unless `encrypt` is false."""
    engine = engine_name(using)
    out = Path(out)
    media = _media_files() if include_media else []
    with tempfile.TemporaryDirectory(prefix="emis-backup-") as tmp:
        db_path = Path(tmp) / ("database.sqlite3" if engine == "sqlite" else "database.pgdump")
        # Counts and migrations first: the dump is taken after, so it holds at least these rows.
        manifest = Manifest(
            engine=engine,
            migrations=applied_migrations(using),
            tables=table_counts(using),
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            media_files=len(media),
        )
        _dump_database(db_path, engine, using)
        partial = out.with_name(out.name + ".partial")
        plain = Path(tmp) / "archive.tar.gz" if encrypt else partial
        try:
            with tarfile.open(plain, "w:gz", compresslevel=6) as tar:
                raw = manifest.to_json()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(raw)
                info.mtime = int(dt.datetime.now().timestamp())
                tar.addfile(info, io.BytesIO(raw))
                tar.add(db_path, arcname=db_path.name, recursive=False)
                _add_media(tar, media)
            if encrypt:
                manifest.extra["key_id"] = encrypt_file(plain, partial)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


def read_manifest(archive: str | os.PathLike) -> Manifest:
    if is_encrypted(archive):
        with tempfile.TemporaryDirectory(prefix="emis-restore-") as tmp:
            plain = Path(tmp) / "archive.tar.gz"
            decrypt_file(Path(archive), plain)
            return _read_manifest(plain)
    return _read_manifest(archive)


def _read_manifest(archive) -> Manifest:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.next()
            if member is None or member.name != MANIFEST:
                raise BackupError(_("备份文件缺少清单（manifest.json）。"))
            return Manifest.from_json(tar.extractfile(member).read())
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(_("无法读取备份文件：{error}").format(error=exc)) from exc


def check_restorable(manifest: Manifest, *, using: str = "default", force: bool = False) -> None:
    engine = engine_name(using)
    if manifest.engine != engine:
        raise BackupError(
            _("备份来自 {source} 数据库，不能恢复到 {target} 数据库。").format(source=manifest.engine, target=engine)
        )
    current = applied_migrations(using)
    if not current:
        raise BackupError(_("目标数据库还没有建表：请先运行 emis migrate，再恢复。"))
    if manifest.migrations != current:
        ours, theirs = set(current), set(manifest.migrations)
        differences = sorted(theirs - ours)[:5] + sorted(ours - theirs)[:5]
        raise BackupError(
            _("备份的数据库结构与当前系统版本不一致（不同的迁移：{items}）：请用与备份相同版本的系统恢复。").format(
                items="、".join(differences)
            )
        )
    if not force and not is_empty(using):
        raise BackupError(_("目标数据库已有数据：恢复会覆盖全部数据，确认无误请加 --force。"))


def restore(archive: str | os.PathLike, *, using: str = "default", force: bool = False) -> Manifest:
    with tempfile.TemporaryDirectory(prefix="emis-restore-") as tmp:
        if is_encrypted(archive):
            plain = Path(tmp) / "archive.tar.gz"
            decrypt_file(Path(archive), plain)
            archive = plain
        return _restore(archive, tmp, using=using, force=force)


def _restore(archive, tmp: str, *, using: str, force: bool) -> Manifest:
    manifest = _read_manifest(archive)
    check_restorable(manifest, using=using, force=force)
    expected = "database.sqlite3" if manifest.engine == "sqlite" else "database.pgdump"
    db_path = Path(tmp) / expected
    media_tmp = Path(tmp) / "media"
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST:
                    continue
                if member.name == expected and member.isfile():
                    with tar.extractfile(member) as src, open(db_path, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                elif member.name.startswith(MEDIA_PREFIX) and member.isfile():
                    # The "data" filter refuses absolute paths, "..", links and device files.
                    member.name = member.name[len(MEDIA_PREFIX) :]
                    tar.extract(member, media_tmp, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(_("无法读取备份文件：{error}").format(error=exc)) from exc
    if not db_path.exists():
        raise BackupError(_("备份文件中没有数据库。"))
    _load_database(db_path, manifest.engine, using)
    if media_tmp.is_dir():
        _restore_media(media_tmp)
    return manifest


# Encrypted archives ----------------------------------------------------------------------------------------
#
# The archive holds every child's name, birth date and school in the clear (only ID numbers are encrypted in
# the database), so it is encrypted by default, with a key derived (HKDF) from the current data key: whoever
# restores it needs EMIS_DATA_KEYS anyway to read the ID numbers. The format is the STREAM construction over
# AES-256-GCM: a header (magic, key id, salt, nonce prefix) authenticated with every chunk, 1 MiB chunks each
# sealed under the prefix, its counter and a last-chunk flag, so a reordered, altered or truncated archive
# fails to open.

MAGIC = b"EMISBAK1"
CHUNK = 1 << 20
TAG = 16
PURPOSE = b"emis backup archive v1"


def _chunk_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source: Path, target: Path) -> str:
    """Encrypt `source` into `target`; returns the data key id the archive needs."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, prefix = os.urandom(16), os.urandom(7)
    kid, key = crypto.derive_key(PURPOSE, salt)
    header = MAGIC + bytes([len(kid)]) + kid.encode() + salt + prefix
    aead = AESGCM(key)
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(header)
        counter, chunk = 0, src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            dst.write(aead.encrypt(_chunk_nonce(prefix, counter, last), chunk, header))
            if last:
                break
            counter, chunk = counter + 1, following
    return kid


def is_encrypted(path: str | os.PathLike) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError as exc:
        raise BackupError(_("无法读取备份文件：{error}").format(error=exc)) from exc


def decrypt_file(source: Path, target: Path) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    with open(source, "rb") as src, open(target, "wb") as dst:
        if src.read(len(MAGIC)) != MAGIC:
            raise BackupError(_("不是加密的备份文件。"))
        size = src.read(1)
        kid = src.read(size[0]).decode(errors="replace") if size else ""
        salt, prefix = src.read(16), src.read(7)
        header = MAGIC + size + kid.encode() + salt + prefix
        try:
            kid, key = crypto.derive_key(PURPOSE, salt, kid)
        except crypto.DecryptionError as exc:
            raise BackupError(
                _("备份文件用数据密钥 {kid} 加密，而 EMIS_DATA_KEYS 中没有该密钥。").format(kid=kid)
            ) from exc
        aead = AESGCM(key)
        counter, chunk = 0, src.read(CHUNK + TAG)
        try:
            while True:
                following = src.read(CHUNK + TAG)
                last = not following
                dst.write(aead.decrypt(_chunk_nonce(prefix, counter, last), chunk, header))
                if last:
                    break
                counter, chunk = counter + 1, following
        except InvalidTag as exc:
            raise BackupError(_("备份文件已损坏、被截断或被改动，无法解密。")) from exc
    return kid
