"""emis admissions solve --applicants A.csv --schools S.csv [--quotas Q.csv] --out RESULT.csv [--explain EXPLAIN.csv]

Senior-high admission with quota seats (指标到校) from files; see docs/admissions.md. Bad input is reported with
file, row, column and reason, the command exits non-zero, and nothing is written.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from emis.rounds.solver.engine import (
    DEFAULT_TIE_BREAK,
    PHASE_NONE,
    PHASE_OPEN,
    PHASE_QUOTA,
    TIE_BREAK_KEYS,
    parse_tie_break,
    solve,
)
from emis.rounds.solver.files import (
    EXPLAIN_COLUMNS,
    InputError,
    check_output_path,
    cutoff_table,
    explanation_rows,
    load_round,
    write_results,
    write_table,
)
from emis.rounds.solver.quota import parse_share

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = "高中招生录取（指标到校 + 统招，分数优先、遵循志愿）：从文件读入考生、学校和指标，写出录取结果。"

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="solve")
        solve_parser = actions.add_parser(
            "solve",
            help="按文件求解一次录取",
            description="读入考生文件、学校文件（及指标分配文件），先指标到校后统招录取，写出结果文件。",
        )
        solve_parser.add_argument("--applicants", required=True, help="考生文件 A.csv/.xlsx")
        solve_parser.add_argument("--schools", required=True, help="学校文件 S.csv/.xlsx")
        solve_parser.add_argument(
            "--quotas", default=None, help="指标分配文件 Q.csv/.xlsx（缺省时按各初中考生数、最大余额法分配）"
        )
        solve_parser.add_argument("--out", required=True, help="结果文件 RESULT.csv/.xlsx")
        solve_parser.add_argument("--explain", default=None, help="逐志愿落选原因文件（可选）")
        solve_parser.add_argument("--cutoffs", default=None, help="各校各阶段录取线文件（可选）")
        solve_parser.add_argument(
            "--tie-break",
            default=",".join(DEFAULT_TIE_BREAK),
            help="同分排序规则，逗号分隔（默认 %(default)s）；"
            "可用 total、chinese+math+english、math、chinese、english、exam_no",
        )
        solve_parser.add_argument(
            "--quota-share",
            default=None,
            help="指标到校比例（如 2/3、0.7、70%%）：有指标名额的学校按 ceil(比例×计划) 重算指标名额，其余为统招",
        )

    def handle(self, *args, action, **options):
        if action == "solve":
            self.solve(**options)

    def solve(self, *, applicants, schools, quotas, out, explain, cutoffs, tie_break, quota_share, **options):
        started = time.perf_counter()
        try:
            chain = parse_tie_break(tie_break)
        except ValueError as exc:
            raise CommandError(
                _("--tie-break 中的“{item}”无法识别或重复：可用 {names}，exam_no 须在最后。").format(
                    item=exc.args[0] if exc.args else "", names="、".join(TIE_BREAK_KEYS)
                )
            ) from None
        share = None
        if quota_share is not None:
            try:
                share = parse_share(quota_share)
            except (ValueError, ZeroDivisionError):
                raise CommandError(
                    _("--quota-share “{value}”应为 0 到 1 之间的比例，如 2/3、0.7 或 70%。").format(value=quota_share)
                ) from None
        outputs = [(out, "--out"), (explain, "--explain"), (cutoffs, "--cutoffs")]
        for path, label in outputs:
            if path:
                reason = check_output_path(path, label)
                if reason:
                    raise CommandError(reason)

        try:
            loaded = load_round(applicants, schools, quotas, quota_share=share)
        except InputError as exc:
            for problem in exc.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(str(problem))
            hidden = len(exc.problems) - SHOWN_PROBLEMS
            if hidden > 0 or exc.more:
                self.stderr.write(_("……另有更多问题未列出。"))
            raise CommandError(_("输入有误（{n} 处），未写入任何文件。").format(n=len(exc.problems))) from None
        for warning in loaded.warnings:
            self.stdout.write(self.style.WARNING(warning))
        read_seconds = time.perf_counter() - started

        result = solve(loaded.instance, chain)
        solve_seconds = sum(result.timings.values())

        write_results(out, result)
        written = [out]
        if explain:
            write_table(explain, EXPLAIN_COLUMNS, explanation_rows(result))
            written.append(explain)
        if cutoffs:
            header, rows = cutoff_table(result)
            write_table(cutoffs, header, rows)
            written.append(cutoffs)

        instance = loaded.instance
        counts = {phase: int((result.phase == phase).sum()) for phase in (PHASE_QUOTA, PHASE_OPEN, PHASE_NONE)}
        self.stdout.write(
            _(
                "考生 {n} 人，学校 {s} 所，初中 {j} 所；指标到校录取 {quota} 人，统招录取 {open} 人，未录取 {none} 人。"
            ).format(
                n=instance.n,
                s=len(instance.school_codes),
                j=len(instance.junior_codes),
                quota=counts[PHASE_QUOTA],
                open=counts[PHASE_OPEN],
                none=counts[PHASE_NONE],
            )
        )
        self.stdout.write(
            _("同分排序：{chain}；读入 {read:.2f} 秒，求解 {solve:.2f} 秒，共 {total:.2f} 秒。").format(
                chain=",".join(chain), read=read_seconds, solve=solve_seconds, total=time.perf_counter() - started
            )
        )
        self.stdout.write(self.style.SUCCESS(_("已写入 {files}").format(files="、".join(str(p) for p in written))))
