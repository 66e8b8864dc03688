"""The 控辍保学 app's contributions (filled in by its pages, workflows and imports)."""
