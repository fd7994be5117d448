"""The app with the benchmark's own command: `flask --app bench.app seed-scale`."""

from anticafe import create_app
from bench.scale import seed_scale

app = create_app()
app.cli.add_command(seed_scale)
