"""What a worker loads when it starts: the heavy libraries that only some requests need are imported by
the code that uses them, so that every worker does not carry them (the benchmark's memory target)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Imported on first use only: the messengers' clients (~25 MB with `requests`), zxcvbn's word lists
#: (~10 MB; the common passwords are read from their one line), the PDF and spreadsheet writers, and
#: Flask-Migrate with Alembic and Mako (~11 MB; `flask db …` binds them when it runs).
ON_FIRST_USE = ("telebot", "vk_api", "requests", "zxcvbn", "fpdf", "openpyxl", "flask_migrate", "alembic", "mako")


def test_a_started_app_has_not_imported_the_libraries_of_rare_requests(tmp_path):
    code = ("import sys\nfrom anticafe import create_app\ncreate_app()\n"
            f"print(','.join(m for m in {ON_FIRST_USE!r} if m in sys.modules))")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == ""
