"""中考录取: the senior-high admission rounds with quota seats (指标到校); see docs/admissions.md."""
