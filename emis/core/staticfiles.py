"""The static files storage of production: WhiteNoise's compressed, hashed files."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Source-map comments are left as they are: vendored minified files (Tabler's CSS) name .map files that are
    not shipped, and rewriting those names made `collectstatic` fail in production (found by bench/cluster)."""

    patterns = tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in (p if isinstance(p, str) else p[0])))
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
    )
