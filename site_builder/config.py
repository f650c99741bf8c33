"""Fixed tables of the content format: languages, entity types and their kinds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Language:
    code: str  # in URLs and file names
    hreflang: str  # in <html lang> and hreflang
    locale: str  # Babel locale for dates and numbers
    name: str  # in its own language, for the language switch


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "en", "en", "English"),
    "zh": Language("zh", "zh-Hans", "zh_Hans_CN", "中文"),
}

# Entity type → (content folder, URL folder). The type is the singular word used in code.
ENTITY_TYPES: dict[str, str] = {"person": "people", "org": "orgs", "place": "places"}
FOLDER_TYPES: dict[str, str] = {folder: kind for kind, folder in ENTITY_TYPES.items()}

ORG_KINDS = (
    "government", "department", "agency", "company", "association", "media",
    "mission", "zone", "programme", "other",
)
KEY_DATES = (3, 5)  # an entity's oldest and newest events its dossier shows above the full timeline
PLACE_KINDS = ("country", "province", "municipality", "city", "county", "district", "site", "other")


@dataclass(frozen=True)
class BuildOptions:
    """What a build is asked to do: where the sources are and where the site goes."""

    content: Path = Path("content")
    templates: Path = Path("templates")
    out: Path = Path("public")
    drafts: bool = False
    cache_dir: Path | None = Path(".cache")
    jobs: int = 0  # 0: one per core
    write: bool = True  # False for `check`: everything but the writing
    base_url: str | None = None  # `--base-url`: instead of site.yaml's, for this build only
