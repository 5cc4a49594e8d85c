"""What the build writes under /admin/, read back: page, policy, generated config, copied bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from plugins.cms import admin_policy, write_admin
from plugins.cms.config import connect_origins
from plugins.headers.policy import DIRECTIVES, meta_policy
from plugins.region.registry import load_registry

ROOT = Path(__file__).resolve().parents[2]
FORMAT_JS = ROOT / "plugins" / "cms" / "static" / "soists-cms.js"


def fake_dist(folder: Path) -> Path:
    """A stand-in for the npm package's dist/: the bundle, a chunk, WebAssembly and what is not copied."""
    dist = folder / "dist"
    dist.mkdir()
    for name in ("decap-cms.js", "42.decap-cms.js", "a1.wasm", "decap-cms.js.map", "cms.js", "42.cms.js"):
        (dist / name).write_text(f"/* {name} */", encoding="utf-8")
    return dist


def parse_policy(text: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in text.split(";"))


def test_admin_page_is_local_noindex_and_carries_its_own_policy(tmp_path):
    settings = {"CMS_DIST": str(fake_dist(tmp_path)), "CMS_PROXY_URL": "http://localhost:8099/api/v1"}
    admin = write_admin(tmp_path / "out", settings)
    soup = BeautifulSoup((admin / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    assert soup.html["lang"] == "de"
    scripts = [s["src"] for s in soup.find_all("script")]
    assert scripts == ["before-cms.js", "decap-cms.js", "soists-editor.js", "soists-cms.js"]
    assert all((admin / src).is_file() for src in scripts)
    assert not any(s.string for s in soup.find_all("script")), "no inline script"
    policy = parse_policy(soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"])
    site = parse_policy(meta_policy())
    assert policy["default-src"] == site["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and "frame-ancestors" not in policy
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["connect-src"].split() == ["'self'", "blob:", "https://git.region-stuttgart.example",
                                             "http://localhost:8099"]
    # only the directives the editor needs differ from the site's policy
    changed = {name for name, sources in policy.items() if site.get(name) != sources}
    assert changed == {"script-src", "style-src", "img-src", "connect-src"}


def test_bundle_chunks_and_wasm_are_copied_not_maps_or_the_second_bundle(tmp_path):
    admin = write_admin(tmp_path / "out", {"CMS_DIST": str(fake_dist(tmp_path))})
    names = sorted(p.name for p in admin.iterdir())
    assert names == ["42.decap-cms.js", "a1.wasm", "before-cms.js", "config.yml", "decap-cms.js", "index.html",
                     "site.css", "soists-cms.js", "soists-editor.css", "soists-editor.js"]


def test_without_the_npm_package_nothing_is_written_and_the_log_says_how_to_install(tmp_path, capsys):
    assert write_admin(tmp_path / "out", {"CMS_DIST": str(tmp_path / "missing")}) is None
    assert not (tmp_path / "out" / "admin").exists()
    assert "npm ci --prefix plugins/cms" in capsys.readouterr().err


def test_generated_config_has_every_collection_german_labels_and_the_workflow(tmp_path):
    admin = write_admin(tmp_path / "out", {"CMS_DIST": str(fake_dist(tmp_path))})
    config = json.loads((admin / "config.yml").read_text(encoding="utf-8"))  # JSON is YAML
    assert config["locale"] == "de"
    assert config["publish_mode"] == "editorial_workflow"
    assert config["backend"]["name"] == "gitlab" and config["backend"]["auth_type"] == "pkce"
    assert config["media_folder"] == "content/images" and config["public_folder"] == "images"
    folders = {c["name"]: c["folder"] for c in config["collections"]}
    assert folders == {"artikel": "content/articles", "menschen": "content/articles/menschen",
                       "seiten": "content/pages", "termine": "content/events", "kommunen": "content/kommunen",
                       "kampagnen": "content/kampagnen"}
    for collection in config["collections"]:
        assert collection["format"] == "pelican"
        for field in collection["fields"]:
            if field["widget"] == "image":
                assert field["media_library"]["config"]["max_file_size"] <= 10_000_000
                assert field["choose_url"] is False
            if field["name"] == "alt":
                assert "Pflicht" in field["hint"]
    events = next(c for c in config["collections"] if c["name"] == "termine")
    municipality = next(f for f in events["fields"] if f["name"] == "municipality")
    assert len(municipality["options"]) == len(load_registry()) == 179
    # names only, the district beside them: the two Altdorfs stay apart, the district is not searched
    assert municipality["widget"] == "kommune"
    altdorf = sorted((o["label"], o["district"], o["value"]) for o in municipality["options"] if o["label"] == "Altdorf")
    assert [a[:2] for a in altdorf] == [("Altdorf", "Landkreis Böblingen"), ("Altdorf", "Landkreis Esslingen")]
    assert len({a[2] for a in altdorf}) == 2
    shown = {f["name"]: f for f in events["fields"]}
    for name in ("uid", "sequence", "modified", "allday"):  # kept by the system, never typed
        assert shown[name]["widget"] == "hidden" and shown[name]["required"] is False, name
    assert {shown[n]["widget"] for n in ("start", "end")} == {"zeitpunkt"}
    assert connect_origins(config)[0].startswith("https://")


def test_a_field_added_to_a_schema_appears_in_the_editor(tmp_path, monkeypatch):
    from plugins.cms import types
    from plugins.cms.fields import Field

    original = types.event

    def with_extra_field(registry):
        schema = original(registry)
        return type(schema)(**{**schema.__dict__, "fields": (*schema.fields, Field("room", "Raum"))})

    monkeypatch.setattr(types, "event", with_extra_field)
    monkeypatch.setattr("plugins.cms.content_types", types.content_types)
    admin = write_admin(tmp_path / "out", {"CMS_DIST": str(fake_dist(tmp_path))})
    config = json.loads((admin / "config.yml").read_text(encoding="utf-8"))
    events = next(c for c in config["collections"] if c["name"] == "termine")
    assert events["fields"][-1] == {"label": "Raum", "name": "room", "widget": "string", "required": False}


def test_admin_policy_is_made_by_the_headers_api_not_a_copy():
    policy = parse_policy(admin_policy(["https://git.example.org"]))
    assert [name for name in policy] == [name for name, _ in DIRECTIVES if name != "frame-ancestors"]


ROUND_TRIP = """
const fs = require("fs");
const formats = {};
global.window = {CMS: {registerCustomFormat: (name, ext, f) => { formats[name] = f; }}, initCMS: () => {}};
eval(fs.readFileSync(process.argv[2], "utf8"));
const out = {};
for (const path of process.argv.slice(3)) {
  const data = formats.pelican.fromFile(fs.readFileSync(path, "utf8"));
  out[path] = {data, text: formats.pelican.toFile(data, [])};
}
console.log(JSON.stringify(out));
"""


def pelican_header(text: str) -> tuple[dict[str, str], str]:
    """The header as Pelican's Markdown reader sees it (keys lower case), and the body."""
    head, _, body = text.partition("\n\n")
    metadata = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        metadata[key.strip().lower()] = value.strip()
    return metadata, body.strip()


def test_the_file_format_reads_and_writes_every_content_file_unchanged_in_meaning(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    folders = ("articles", "articles/menschen", "pages", "events", "kommunen", "kampagnen")
    files = [str(p) for folder in folders for p in sorted((ROOT / "content" / folder).glob("*.md"))]
    script = tmp_path / "round_trip.js"
    script.write_text(ROUND_TRIP, encoding="utf-8")
    result = subprocess.run(["node", str(script), str(FORMAT_JS), *files], capture_output=True, text=True, check=True)
    written = json.loads(result.stdout)
    assert len(written) == len(files) > 40
    for path in files:
        before = pelican_header(Path(path).read_text(encoding="utf-8"))
        after = pelican_header(written[path]["text"])
        assert after == before, path
        if "municipality" in before[0]:
            assert written[path]["data"]["municipality"] == [m.strip() for m in before[0]["municipality"].split(",")]
