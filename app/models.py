"""Imports every domain's models so that `app.db.Base.metadata` describes the whole schema (for alembic)."""

from __future__ import annotations

from app.animals.models import Animal
from app.auth.models import ApiKey, User
from app.cameras.models import Camera, StreamGap
from app.db import Base
from app.farms.models import Farm, Pen, Zone
from app.health.models import HealthEvent, LamenessScore, Weight
from app.identity.models import Embedding, IdentityEvent
from app.media.models import Chunk, Recording
from app.summaries.models import Alert, DailySummary
from app.tracking.models import BehaviourBout, Track, TrackThumbnail, ZoneVisit

metadata = Base.metadata

__all__ = [
    "Alert",
    "Animal",
    "ApiKey",
    "Base",
    "BehaviourBout",
    "Camera",
    "Chunk",
    "DailySummary",
    "Embedding",
    "Farm",
    "HealthEvent",
    "IdentityEvent",
    "LamenessScore",
    "Pen",
    "Recording",
    "StreamGap",
    "Track",
    "TrackThumbnail",
    "User",
    "Weight",
    "Zone",
    "ZoneVisit",
    "metadata",
]
