"""Background entry points: delivery of notifications on the channels beyond the site, the sweep's notifications,
and the daily digest (also `emis work_digest`)."""

from django_tasks import task


@task()
def deliver_task(ids: list[int], grouped: bool = False) -> dict:
    from .services import deliver

    return deliver(ids, grouped=grouped)


@task()
def notify_sweep_task(day: str) -> dict:
    import datetime as dt

    from .services import notify_sweep

    return notify_sweep(dt.date.fromisoformat(day))


@task()
def send_digest_task(day: str | None = None) -> dict:
    import datetime as dt

    from .digest import send_digests

    return send_digests(dt.date.fromisoformat(day) if day else None)
