"""The seed's files (seed/): a JSON file per group, {"group": name, "words": [...]}, and
study_activities.json."""

import json
from pathlib import Path
from urllib.parse import urlsplit

SEED_DIR = Path(__file__).resolve().parent.parent.parent / "seed"


def read(seed_dir=SEED_DIR):
    """({group name: [word, ...]}, [activity, ...])."""
    seed_dir = Path(seed_dir)
    groups = {}
    for path in sorted((seed_dir / "groups").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        groups[data["group"]] = data["words"]
    activities = json.loads((seed_dir / "study_activities.json").read_text(encoding="utf-8"))
    return groups, activities


def activity_origins(seed_dir=SEED_DIR):
    """Origins of the study activities' URLs, which CORS must allow. Activities come only
    from the seed (no endpoint creates one), so its file lists every activity served."""
    urls = [urlsplit(activity["url"]) for activity in read(seed_dir)[1]]
    return [f"{u.scheme}://{u.netloc}" for u in urls if u.scheme and u.netloc]
