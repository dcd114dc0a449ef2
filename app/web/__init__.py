"""Server-rendered pages of the pigwatch web app (Jinja2 templates, server-side Plotly figures)."""
