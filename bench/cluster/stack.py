"""Start and stop the distributed set-up on this machine (127.0.0.1 only): a fresh PostgreSQL database, moto's S3
server, gunicorn and RQ workers, all with the production settings (config.settings.production) and a few
overrides for plain http on the loopback (bench/cluster/settings_bench.py)."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bench_key(label: str) -> str:
    # Keys for the bench's synthetic county only, fixed so that a database kept as a template stays readable.
    return base64.b64encode(hashlib.sha256(f"county-emis bench/cluster {label}".encode()).digest()).decode()


def free_redis_db(first: int = 10) -> int:
    import redis

    for db in range(first, 16):
        if redis.Redis(host="127.0.0.1", port=6379, db=db).dbsize() == 0:
            return db
    raise SystemExit("no empty Redis database between 10 and 15 on 127.0.0.1:6379")


@dataclass
class Stack:
    db_name: str
    tmp: Path
    redis_db: int
    s3_port: int = 0
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: list = field(default_factory=list)

    @property
    def env(self) -> dict:
        env = {
            **os.environ,
            "PYTHONPATH": f"{HERE}:{ROOT}",
            "DJANGO_SETTINGS_MODULE": "settings_bench",
            "DATABASE_URL": f"{PG}/{self.db_name}",
            "EMIS_DB_CONN_MAX_AGE": "60",
            "EMIS_SECRET_KEY": _bench_key("secret") + "-" + self.db_name,
            "EMIS_DATA_KEYS": "bench:" + _bench_key("data"),
            "EMIS_HASH_KEY": _bench_key("hash"),
            "EMIS_TASKS": "rq",
            "EMIS_REDIS_URL": f"redis://127.0.0.1:6379/{self.redis_db}",
            "EMIS_STORAGE": "s3",
            "EMIS_S3_BUCKET": "emis-bench",
            "EMIS_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            "EMIS_S3_REGION": "us-east-1",
            "EMIS_S3_ACCESS_KEY_ID": "bench",
            "EMIS_S3_SECRET_ACCESS_KEY": "bench",
            "EMIS_S3_ADDRESSING_STYLE": "path",
            "EMIS_ALLOWED_HOSTS": "127.0.0.1",
            "EMIS_SSL_REDIRECT": "0",
            "EMIS_OTP_REQUIRED_ROLES": "",
            "EMIS_STATIC_ROOT": str(self.tmp / "static"),
            "EMIS_LOG_LEVEL": "WARNING",
        }
        env.pop("EMIS_DEBUG", None)
        return env

    def manage(self, *args: str, quiet: bool = True) -> None:
        out = subprocess.DEVNULL if quiet else None
        subprocess.run([PY, str(ROOT / "manage.py"), *args], env=self.env, cwd=ROOT, check=True, stdout=out)

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")
        self.logs.append(log)
        # Its own process group: a kill reaches the process and its children (gunicorn's and RQ's forks).
        proc = subprocess.Popen(
            argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig=signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    # --- the parts ---------------------------------------------------------------------------------------------

    def create_database(self, template: str | None = None) -> None:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            if template:
                conn.execute(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{template}"')
            else:
                conn.execute(f'CREATE DATABASE "{self.db_name}"')

    def drop_database(self) -> None:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def start_s3(self) -> None:
        self.s3_port = free_port()
        self.start("moto", [PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.s3_port)])
        wait_for_port(self.s3_port)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.s3_port}",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            region_name="us-east-1",
        ).create_bucket(Bucket="emis-bench")

    def start_gunicorn(self, name: str, workers: int) -> int:
        port = free_port()
        self.start(
            name,
            [
                GUNICORN,
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "120",
                "--graceful-timeout",
                "20",
                "--max-requests",
                "2000",
                "--max-requests-jitter",
                "200",
                "--worker-tmp-dir",
                "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",
            ],
        )
        wait_for_port(port, timeout=120)
        return port

    def start_rq_worker(self, name: str) -> subprocess.Popen:
        return self.start(
            name,
            [
                PY,
                str(ROOT / "manage.py"),
                "rqworker",
                "default",
                "--job-class",
                "django_tasks_rq.Job",
                "--name",
                name + "-" + uuid.uuid4().hex[:6],
            ],
        )

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.kill(name)
        for log in self.logs:
            log.close()


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port} after {timeout:.0f} s")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)
