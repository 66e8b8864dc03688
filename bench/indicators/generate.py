"""Synthetic registry data for the indicator benchmark, written in SQL (PostgreSQL generate_series, SQLite a
recursive CTE): nothing goes through the ORM or Python loops over rows, so 8M pupils load in minutes.

Shape, per county of `per_county` pupils (100,000 by default; a province of 8M pupils is 80 counties):
14 townships; 316 schools (100 kindergartens, 70 primary schools, 110 teaching points, 25 junior, 5 nine-year,
2 twelve-year, 2 senior, 2 vocational); pupils on the roll in 2020 by level (preschool 17%, primary 46%, junior
21%, senior 10%, vocational 6%) in classes of up to 45 (60 in every tenth school); about 1% suspended; the 2012
一年级 rows of the 2020 九年级 pupils (the 巩固率 cohort) and some 2016 转入 rows; a 2020 population register
holding every pupil (same ID number, 户籍 township of the school) plus 8% children not in school; one staff
member per 15 pupils with a recruitment posting.

ID numbers go in unencrypted, with the number itself standing for its hash (both tables alike, so the
register-to-roll join on the hash columns matches as it would on real hashes): the timings measure the queries,
and no keyed hash can be computed in SQL. Never load this data beside real data.
"""

from __future__ import annotations

LEVELS = (
    # (level, share, first school slot, schools, first grade index, grades, age of the first grade)
    ("preschool", 0.17, 0, 100, 0, 3, 3),
    ("primary", 0.46, 100, 180, 3, 6, 6),
    ("junior", 0.21, 280, 32, 9, 3, 12),
    ("senior", 0.10, 310, 4, 12, 3, 15),
    ("vocational", 0.06, 314, 2, 15, 3, 15),
)
GRADES = ("K1", "K2", "K3", "P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3", "S1", "S2", "S3", "V1", "V2", "V3")
SLOTS = 316
# Category and ownership of each school slot.
CATEGORY_CASE = (
    "CASE WHEN slot < 100 THEN 'kindergarten' WHEN slot < 170 THEN 'primary' WHEN slot < 280 THEN 'teaching_point' "
    "WHEN slot < 305 THEN 'junior' WHEN slot < 310 THEN 'nine_year' WHEN slot < 312 THEN 'twelve_year' "
    "WHEN slot < 314 THEN 'senior' ELSE 'vocational' END"
)
YEARS = {2012: 1, 2015: 2, 2016: 3, 2020: 4}
TOWNSHIPS = 14


class Dialect:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"
        self.ts = "'2020-09-01 00:00:00+00'" if self.pg else "'2020-09-01 00:00:00'"

    def series(self, n: int) -> str:
        if self.pg:
            return f"generate_series(0, {n - 1}) AS g(n)"
        return (
            f"(WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {n - 1}) SELECT n FROM s) AS g"
        )

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(({expr})::text, {width}, '0')"
        return f"printf('%0{width}d', {expr})"

    def birth(self, age: str, jitter: str) -> str:
        """A birth date `age` full years old on 2020-09-01, `jitter` (0-364) days after the earliest such date."""
        if self.pg:
            return (
                f"(DATE '2019-09-02' - make_interval(years => ({age})::int) + (({jitter}) || ' days')::interval)::date"
            )
        return f"date('2019-09-02', '-' || ({age}) || ' years', '+' || ({jitter}) || ' days')"

    def temp_table(self, name: str, select: str) -> str:
        kind = "UNLOGGED TABLE" if self.pg else "TEMP TABLE"
        return f"CREATE {kind} {name} AS {select}"


def statements(vendor: str, pupils: int, per_county: int = 100_000) -> list[tuple[str, str]]:
    """[(label, sql)] that fill an empty, migrated database."""
    d = Dialect(vendor)
    per_county = min(per_county, pupils)
    counties = max(1, pupils // per_county)
    total = counties * per_county
    ts = d.ts
    out: list[tuple[str, str]] = []

    # Divisions: 湖北省, the counties (420001, ...), their townships.
    out.append(
        (
            "divisions",
            f"INSERT INTO orgs_division (id, created_at, updated_at, code, name, level, parent_id) VALUES "
            f"(1, {ts}, {ts}, '42', '湖北省', 'province', NULL)",
        )
    )
    county_code = f"'42' || {d.pad('n + 1', 4)}"
    out.append(
        (
            "divisions",
            f"INSERT INTO orgs_division (id, created_at, updated_at, code, name, level, parent_id) "
            f"SELECT 1000 + n, {ts}, {ts}, {county_code}, '县' || n, 'county', 1 FROM {d.series(counties)}",
        )
    )
    out.append(
        (
            "divisions",
            f"INSERT INTO orgs_division (id, created_at, updated_at, code, name, level, parent_id) "
            f"SELECT 100000 + n, {ts}, {ts}, '42' || {d.pad(f'n / {TOWNSHIPS} + 1', 4)} || "
            f"{d.pad(f'n % {TOWNSHIPS} + 1', 3)}, '乡镇' || n, 'township', 1000 + n / {TOWNSHIPS} "
            f"FROM {d.series(counties * TOWNSHIPS)}",
        )
    )
    years = ", ".join(
        f"({pk}, {ts}, {ts}, {year}, '{year}-09-01', {'TRUE' if year == 2020 else 'FALSE'})"
        for year, pk in YEARS.items()
    )
    out.append(
        (
            "school years",
            f"INSERT INTO orgs_schoolyear (id, created_at, updated_at, start_year, census_date, is_current) "
            f"VALUES {years}",
        )
    )

    # Schools: id = county * 1000 + slot + 1; a teaching point's parent is a primary school of its county.
    out.append(
        (
            "schools",
            "INSERT INTO orgs_school (id, created_at, updated_at, code, name, category, ownership, inclusive, "
            "urban_rural, township_id, parent_id, address, capacity, opened_on, closed_on) "
            f"SELECT c * 1000 + slot + 1, {ts}, {ts}, '2142' || {d.pad('c * 1000 + slot', 6)}, '学校' || n, "
            f"{CATEGORY_CASE}, CASE WHEN slot >= 30 AND slot < 100 THEN 'private' ELSE 'public' END, "
            "slot >= 30 AND slot < 71, "
            "CASE slot % 3 WHEN 0 THEN 'urban' WHEN 1 THEN 'town' ELSE 'rural' END, "
            f"100000 + c * {TOWNSHIPS} + slot % {TOWNSHIPS}, "
            "CASE WHEN slot >= 170 AND slot < 280 THEN c * 1000 + 100 + (slot - 170) % 70 + 1 END, "
            f"'', CASE WHEN slot < 100 THEN 200 ELSE 1200 END, '2000-09-01', NULL "
            f"FROM (SELECT n, n / {SLOTS} AS c, n % {SLOTS} AS slot FROM {d.series(counties * SLOTS)}) AS s",
        )
    )

    # One row per pupil with everything derived from its number: county c, index j, level, school slot, grade.
    bounds, start = [], 0
    for level, share, *_ in LEVELS:
        bounds.append((level, start))
        start += round(share * per_county)
    level_case = " ".join(f"WHEN n % {per_county} >= {b} THEN {i}" for i, (_, b) in reversed(list(enumerate(bounds))))

    def per_level(column: int) -> str:
        return "CASE lv " + " ".join(f"WHEN {i} THEN {row[column]}" for i, row in enumerate(LEVELS)) + " END"

    starts = "CASE lv " + " ".join(f"WHEN {i} THEN {b}" for i, (_, b) in enumerate(bounds)) + " END"
    grade_case = "CASE gi " + " ".join(f"WHEN {i} THEN '{g}'" for i, g in enumerate(GRADES)) + " END"
    level_names = "CASE lv " + " ".join(f"WHEN {i} THEN '{row[0]}'" for i, row in enumerate(LEVELS)) + " END"
    base = (
        f"SELECT n, c, j, lv, i, slot, c * 1000 + slot + 1 AS school_id, gi, {grade_case} AS grade, "
        f"{level_names} AS level, age, "
        f"(c * 1000 + slot + 1) * 1000 + gi * 50 + (i / (ns * ng)) / (CASE WHEN slot % 10 = 0 THEN 60 ELSE 45 END) "
        f"AS class_id, 100000 + c * {TOWNSHIPS} + slot % {TOWNSHIPS} AS township_id "
        f"FROM (SELECT n, c, j, lv, i, ns, ng, {per_level(2)} + i % ns AS slot, {per_level(4)} + (i / ns) % ng AS gi, "
        f"{per_level(6)} + (i / ns) % ng AS age "
        f"FROM (SELECT n, c, j, lv, j - {starts} AS i, {per_level(3)} AS ns, {per_level(5)} AS ng "
        f"FROM (SELECT n, n / {per_county} AS c, n % {per_county} AS j, CASE {level_case} END AS lv "
        f"FROM {d.series(total)}) AS a) AS b) AS e"
    )
    out.append(("pupil plan", d.temp_table("bench_pupil", base)))

    county_of = f"'42' || {d.pad('c + 1', 4)}"
    out.append(
        (
            "classes",
            "INSERT INTO students_schoolclass (id, created_at, updated_at, school_id, school_year_id, grade, name) "
            f"SELECT class_id, {ts}, {ts}, MIN(school_id), {YEARS[2020]}, MIN(grade), '班' || class_id "
            "FROM bench_pupil GROUP BY class_id",
        )
    )
    out.append(
        (
            "students",
            "INSERT INTO students_student (id, created_at, updated_at, name, name_initials, gender, birth_date, "
            "id_number, id_number_hash, student_no, hukou_township_id, hukou_village_id, boarder, poverty_family, "
            "disabled, left_behind, migrant, current_school_id, county_code) "
            f"SELECT n + 1, {ts}, {ts}, '学生' || n, 'xs', CASE WHEN n % 2 = 0 THEN '1' ELSE '2' END, "
            f"{d.birth('age', 'j % 365')}, '42' || {d.pad('n + 1', 16)}, '42' || {d.pad('n + 1', 16)}, NULL, "
            "township_id, NULL, FALSE, FALSE, "
            f"FALSE, FALSE, FALSE, school_id, {county_of} FROM bench_pupil",
        )
    )
    enrollment_columns = (
        "INSERT INTO students_enrollment (id, created_at, updated_at, student_id, school_id, school_year_id, "
        "school_class_id, grade, level, status, status_date, is_current, note) "
    )
    out.append(
        (
            "enrolments",
            enrollment_columns + f"SELECT n + 1, {ts}, {ts}, n + 1, school_id, {YEARS[2020]}, class_id, grade, level, "
            "CASE WHEN j % 97 = 0 THEN 'suspended' ELSE 'enrolled' END, '2020-09-01', TRUE, '' FROM bench_pupil",
        )
    )
    # The 巩固率 cohort: 一年级 in 2012 at a primary school of the county; every 50th joined in 2016 (转入).
    out.append(
        (
            "enrolments",
            enrollment_columns + f"SELECT {total} + n + 1, {ts}, {ts}, n + 1, c * 1000 + 100 + j % 70 + 1, "
            f"{YEARS[2012]}, NULL, 'P1', 'primary', 'enrolled', '2012-09-01', TRUE, '' "
            "FROM bench_pupil WHERE grade = 'J3' AND j % 50 <> 1",
        )
    )
    out.append(
        (
            "enrolments",
            enrollment_columns + f"SELECT {2 * total} + n + 1, {ts}, {ts}, n + 1, c * 1000 + 100 + j % 70 + 1, "
            f"{YEARS[2016]}, NULL, 'P5', 'primary', 'transferred_in', '2016-09-01', TRUE, '' "
            "FROM bench_pupil WHERE grade = 'J3' AND j % 50 = 1",
        )
    )
    # The 2020 population register: every pupil, and 8% more children not in school.
    population_columns = (
        "INSERT INTO population_populationrecord (id, created_at, updated_at, name, name_initials, gender, "
        "birth_date, school_year_id, id_number, id_number_hash, hukou_township_id, hukou_village_id, source) "
    )
    out.append(
        (
            "population",
            population_columns + f"SELECT n + 1, {ts}, {ts}, '学生' || n, 'xs', "
            f"CASE WHEN n % 2 = 0 THEN '1' ELSE '2' END, {d.birth('age', 'j % 365')}, {YEARS[2020]}, "
            f"'42' || {d.pad('n + 1', 16)}, '42' || {d.pad('n + 1', 16)}, township_id, NULL, 'police' FROM bench_pupil",
        )
    )
    extra = max(1, total * 8 // 100)
    out.append(
        (
            "population",
            population_columns + f"SELECT {total} + n + 1, {ts}, {ts}, '儿童' || n, 'et', "
            f"CASE WHEN n % 2 = 0 THEN '1' ELSE '2' END, {d.birth('3 + n % 15', 'n % 365')}, {YEARS[2020]}, "
            f"'43' || {d.pad('n + 1', 16)}, '43' || {d.pad('n + 1', 16)}, "
            f"100000 + (n % {counties}) * {TOWNSHIPS} + n % {TOWNSHIPS}, NULL, "
            f"'police' FROM {d.series(extra)}",
        )
    )
    # Staff: one per 15 pupils, spread over the county's schools, each with a recruitment posting.
    staff = max(1, total // 15)
    per_county_staff = max(1, staff // counties)
    school_of_staff = f"(n / {per_county_staff}) % {counties} * 1000 + n % {SLOTS} + 1"
    out.append(
        (
            "staff",
            "INSERT INTO staff_staff (id, created_at, updated_at, name, name_initials, gender, birth_date, "
            "id_number, id_number_hash, establishment, post_school_id, subject, title, qualification, is_active) "
            f"SELECT n + 1, {ts}, {ts}, '教师' || n, 'js', '2', '1985-05-05', '44' || {d.pad('n + 1', 16)}, "
            f"'44' || {d.pad('n + 1', 16)}, "
            f"'permanent', {school_of_staff}, '语文', 'first', 'bachelor', TRUE FROM {d.series(staff)}",
        )
    )
    out.append(
        (
            "postings",
            "INSERT INTO staff_posting (id, created_at, updated_at, staff_id, school_id, kind, start_date, "
            f"end_date, note) SELECT n + 1, {ts}, {ts}, n + 1, {school_of_staff}, 'recruitment', '2010-09-01', "
            f"NULL, '' FROM {d.series(staff)}",
        )
    )
    out.append(("cleanup", "DROP TABLE bench_pupil"))
    return out
