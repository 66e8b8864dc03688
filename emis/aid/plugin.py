"""The 学生资助 app's contributions (filled in by its pages, workflows and imports)."""
