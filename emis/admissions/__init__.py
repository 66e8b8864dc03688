"""Admissions (招生): catchment enrolment (划片招生); see docs/domains/admissions.md."""
