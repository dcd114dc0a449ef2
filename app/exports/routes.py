"""REST routes of the records CSV (``/api/records/...``): viewers export, vets and above import."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from app.deps import SessionDep, VetUser, ViewerUser
from app.exports.farmos import RECORD_TYPES
from app.exports.service import CsvImportError, export_csv, import_csv

router = APIRouter(prefix="/records", tags=["records CSV"])

MAX_IMPORT_BYTES = 10 * 1024 * 1024


@router.get("/export", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_records(
    session: SessionDep,
    _: ViewerUser,
    animal_id: int | None = None,
    pen_id: int | None = None,
    first: date | None = Query(None, alias="from", description="first UTC day (inclusive)"),
    last: date | None = Query(None, alias="to", description="last UTC day (inclusive)"),
    record_type: list[str] | None = Query(None, description=f"repeatable; any of {', '.join(RECORD_TYPES)}"),
) -> Response:
    """Health events, lameness scores and weights as a farmOS-style CSV (see docs/rest-api.md)."""
    types = tuple(record_type or RECORD_TYPES)
    unknown = sorted(set(types) - set(RECORD_TYPES))
    if unknown:
        raise CsvImportError(f"unknown record_type {', '.join(unknown)}", details={"allowed": RECORD_TYPES})
    text = export_csv(session, animal_id=animal_id, pen_id=pen_id, first=first, last=last, record_types=types)
    headers = {"Content-Disposition": 'attachment; filename="pigwatch-records.csv"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


CSV_BODY = {"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}}


async def csv_body(request: Request) -> bytes:
    """The raw request body (the CSV file's bytes)."""
    return await request.body()


@router.post("/import", openapi_extra=CSV_BODY)
def import_records(session: SessionDep, user: VetUser, raw: bytes = Depends(csv_body)) -> dict[str, int]:
    """Import a records CSV sent as the request body (``Content-Type: text/csv``), all rows or none.

    Returns the number of records imported per record type; 422 ``invalid_csv`` lists every bad row.
    """
    if len(raw) > MAX_IMPORT_BYTES:
        raise CsvImportError(f"CSV larger than {MAX_IMPORT_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvImportError("CSV is not UTF-8 text") from exc
    return import_csv(session, text, user)
