"""Admissions (招生): senior-high admission with quota seats (指标到校); see docs/admissions.md."""
