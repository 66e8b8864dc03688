"""The 营养改善计划 app's contributions (filled in by its pages, workflows and imports)."""
