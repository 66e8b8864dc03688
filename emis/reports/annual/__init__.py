"""The annual report (年度工作报告) drafted from the data: the year's achievements in figures, in the style of the
bureau's own reports (一、二、(一)…, formal prose), with tables, charts and an xlsx annex.

One module per concern:

    selectors   which figures for which scope and year: scope_area, default_baseline, annual_draft(user, year, ...)
    draft       build_draft(now, then, ...): evaluations -> AnnualDraft, pure (reads nothing from the database)
    blocks      the draft's structure: AnnualDraft, Section, Paragraph, Table, Figure, Area
    prose       the Chinese sentences built from the figures (section 一 and the notes)
    tables      the tables and charts (sections 二 and 三)
    wording     numbers, dates and changes as the report writes them (fmt, points_phrase, count_phrase, ...)
    word        the Word writer (python-docx): docx_bytes, write_docx
    annex       the Excel writer (XlsxWriter): annex_bytes, write_annex
    preview     the draft as the page shows it (charts as data URIs)
    services    the draft's lifecycle: drafted by a background task (emis.reports.tasks) with its progress, kept in
                the cache until the data changes, read by the page and the downloads

    draft = annual_draft(user, 2020, baseline=2015)     # evaluations in the user's scope -> AnnualDraft
    write_docx(draft, "report.docx")                     # Word, charts drawn by emis.reports.charts
    write_annex(draft, "annex.xlsx")                     # every indicator: total and by township (county)

The report body is Chinese content, not interface text: the bureau files it in Chinese whatever language the
person downloading it reads, like the statistical forms (emis.reports.stats). Its prose is therefore kept as
Chinese sentence templates rather than gettext msgids (a translated sentence would not be the document the
bureau publishes, and an English catalogue of report phrasing would only drift), and indicator names are read
under translation.override("zh-hans") (wording.REPORT_LANGUAGE).
"""
