"""The senior-high admission solver (指标到校 + 统招): numpy only, no Django at import time; see docs/admissions.md.

engine   Instance, ranking, serial_dictatorship, solve → Result
quota    the quota rule (share of the plan, largest-remainder split)
explain  explanations per applicant and preference, cut-offs per school and phase
files    the file interface (.csv/.xlsx) used by `emis admissions solve`
"""
