"""The engine's notification hooks. Real notifications (in the site, e-mail, SMS/webhook: issue 13 item 6) connect
receivers here; the engine itself only sends.

case_moved      after a step is committed: sender = the workflow's code; case, step, transition (declaration),
                workflow (declaration). Sent from transaction.on_commit, so a refused or rolled-back step sends nothing.
deadlines_swept after a sweep: sender = None; day, counts ({"overdue": n, "due_soon": n, "escalated": n}). Cases
                escalated by that sweep carry escalated_on = day, so a receiver reads them with one query.
"""

from django.dispatch import Signal

case_moved = Signal()
deadlines_swept = Signal()
