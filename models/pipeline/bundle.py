"""Model bundles: one directory naming the tracker, embedder and behaviour model a deployment runs.

A bundle directory holds ``bundle.json``::

    {"name": "default", "tracker": "tracker.onnx", "embedder": "embedder.onnx", "behaviour": "."}

Paths are relative to the bundle directory: the tracker and embedder are ONNX files with their sidecar JSON
beside them (written by `models.export.onnx.export_onnx`), the behaviour entry is a directory holding
``behaviour.safetensors`` + ``behaviour.json`` (written by `models.behaviour.train.save_bundle`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BUNDLE_DIR = Path(__file__).resolve().parents[1] / "bundles" / "default"
BUNDLE_ENV = "PIGWATCH_MODEL_BUNDLE"


class BundleError(ValueError):
    """A bundle directory that is missing, malformed, or names files that are not there."""


@dataclass(frozen=True)
class ModelBundle:
    """Resolved paths of one bundle's models.

    Attributes:
        directory: the bundle directory.
        name: the bundle's name (from ``bundle.json``).
        tracker: ONNX file of the lite tracker network.
        embedder: ONNX file of the per-animal embedder.
        behaviour: directory of the behaviour model.
    """

    directory: Path
    name: str
    tracker: Path
    embedder: Path
    behaviour: Path


def bundle_dir_from_env() -> Path:
    """The bundle directory named by ``PIGWATCH_MODEL_BUNDLE``, else the shipped default."""
    value = os.environ.get(BUNDLE_ENV, "").strip()
    return Path(value) if value else DEFAULT_BUNDLE_DIR


def load_bundle_manifest(directory: Path) -> ModelBundle:
    """Read ``directory/bundle.json`` and check that every file it names exists.

    Raises:
        BundleError: no such directory or manifest, a key missing, or a named file absent.
    """
    manifest_path = directory / "bundle.json"
    if not manifest_path.is_file():
        raise BundleError(f"model bundle {directory} has no bundle.json")
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as exc:
        raise BundleError(f"{manifest_path} is not valid JSON: {exc}") from exc
    missing = [key for key in ("tracker", "embedder", "behaviour") if key not in manifest]
    if missing:
        raise BundleError(f"{manifest_path} does not name: {', '.join(missing)}")
    paths = {}
    for key in ("tracker", "embedder", "behaviour"):
        path = (directory / manifest[key]).resolve()
        if not path.exists():
            raise BundleError(f"{manifest_path} names {key} {manifest[key]!r}, which does not exist")
        paths[key] = path
    return ModelBundle(directory=directory, name=str(manifest.get("name", directory.name)), **paths)
