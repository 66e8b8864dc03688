"""emis work_diagram CODE [--format svg|mermaid]: print a declared workflow's state diagram."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


class Command(BaseCommand):
    help = "Print a declared workflow's state diagram (SVG or Mermaid), drawn from its declaration."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("--format", choices=("svg", "mermaid"), default="svg")
        parser.add_argument("--language", default="zh-hans")

    def handle(self, *args, code, format, language, **options):
        from emis.work import declaration, diagram

        try:
            workflow = declaration.get(code)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        with translation.override(language):
            self.stdout.write(diagram.svg(workflow) if format == "svg" else diagram.mermaid(workflow))
