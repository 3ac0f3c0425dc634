"""The yearly Cambodia Internet Censorship Report as a static, bilingual site.

``reports.render.render_report(con, period, out_dir, settings) -> RenderedReport`` reads the period
from the warehouse (``reports.data``, queries in ``reports/sql``), derives every table
(``reports.tables``), and writes the pages (Jinja2 templates in ``reports/templates``, strings in
``reports/translations``), the Plotly charts (``reports.figures``), the downloads and the provenance
manifest. ``imap report`` (``reports.cli``) and the Dagster assets in ``pipelines/assets/report.py``
both call it. README "The report" describes the output.
"""
