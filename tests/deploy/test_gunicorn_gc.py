"""Issue 14: a gunicorn worker freezes what it loaded at start, so full collections skip it."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_a_worker_freezes_its_start_up_objects_and_collects_young_objects_less_often():
    hooks = runpy.run_path(str(CONF))
    thresholds = gc.get_threshold()
    try:
        hooks["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
