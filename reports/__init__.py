"""The yearly Cambodia Internet Censorship Report: Jinja2 templates, Plotly figures, translations."""
