"""Server-rendered pages (Jinja2); static assets served by the app itself (no CDN)."""
