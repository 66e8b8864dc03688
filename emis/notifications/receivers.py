"""The work engine's signals, heard here: each step and each sweep notifies (emis.notifications.services). A failure
here is logged and never undoes or fails the step: the step is already committed when the signal comes."""

import logging

from django.dispatch import receiver

from emis.work.signals import case_moved, deadlines_swept

logger = logging.getLogger(__name__)


@receiver(case_moved, dispatch_uid="notifications.case_moved")
def on_case_moved(sender, case, step, transition, workflow, **kwargs):
    from .services import notify_step

    try:
        notify_step(case, step, workflow)
    except Exception:
        logger.exception("notifications for case %s step %s failed", case.pk, step.pk)


@receiver(deadlines_swept, dispatch_uid="notifications.deadlines_swept")
def on_deadlines_swept(sender, day, counts, **kwargs):
    from .tasks import notify_sweep_task

    try:
        notify_sweep_task.enqueue(day.isoformat())
    except Exception:
        logger.exception("notifications for the sweep of %s failed", day)
