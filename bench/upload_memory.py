"""Peak memory of the web server while a 1 GB video is uploaded through the real app.

Makes (once, cached under ``var/bench``) a valid ~1 GB MP4 by encoding a few noise frames as intra-only
MPEG-4 and remuxing those packets over and over with increasing timestamps; starts ``pigwatch serve`` as a
subprocess on its own embedded PostgreSQL (``var/bench/data``; no Redis: the chunk tasks go to kombu's
SQLAlchemy transport on that database), signs in a manager, makes a pen and streams the file with httpx.
Prints the server's resident memory before the upload, its peak during it (kernel ``VmHWM``) and the
upload's throughput. Target: peak < 200 MB. Run: ``nice -n 10 .venv/bin/python bench/upload_memory.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import httpx
import numpy as np

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO / "var" / "bench"
EMAIL, PASSWORD = "bench-manager@example.test", "bench-password-123"


def make_big_video(path: Path, *, target_bytes: int, fps: int = 25) -> Path:
    """An MP4 of at least ``target_bytes``: 25 intra-coded 1280x720 noise frames, remuxed repeatedly."""
    if path.exists() and path.stat().st_size >= target_bytes:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    packets: list[bytes] = []
    rng = np.random.default_rng(0)
    with av.open(str(path.with_suffix(".seed.mkv")), mode="w") as seed:
        stream: Any = seed.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt, stream.codec_context.gop_size = 1280, 720, "yuv420p", 1
        stream.codec_context.qscale, stream.codec_context.bit_rate = 1, 200_000_000
        for i in range(fps):
            frame = av.VideoFrame.from_ndarray(
                rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8), format="rgb24"
            )
            frame.pts = i
            packets += _mux_and_keep(seed, stream.encode(frame))
        packets += _mux_and_keep(seed, stream.encode())
    _remux_repeated(path, packets, target_bytes=target_bytes, fps=fps)
    return path


def _mux_and_keep(container: Any, encoded: list[Any]) -> list[bytes]:
    """Mux ``encoded`` packets into ``container`` and return their payloads."""
    payloads = [bytes(packet) for packet in encoded]
    for packet in encoded:
        container.mux(packet)
    return payloads


def _remux_repeated(path: Path, packets: list[bytes], *, target_bytes: int, fps: int) -> None:
    """Write ``packets`` again and again (all keyframes) until the file reaches ``target_bytes``."""
    with av.open(str(path.with_suffix(".seed.mkv"))) as seed, av.open(str(path), mode="w") as out:
        stream = out.add_stream_from_template(seed.streams.video[0])
        stream.time_base = Fraction(1, fps)
        written, pts = 0, 0
        while written < target_bytes:
            for data in packets:
                packet = av.Packet(data)
                packet.pts = packet.dts = pts
                packet.time_base, packet.stream, packet.is_keyframe = stream.time_base, stream, True
                out.mux(packet)
                written, pts = written + len(data), pts + 1
    path.with_suffix(".seed.mkv").unlink(missing_ok=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` (peak RSS) of a process, KiB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def _server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"PIGWATCH_ENV": "development", "PIGWATCH_DATA_DIR": str(BENCH_DIR / "data")}
    env |= {
        "PIGWATCH_MEDIA_DIR": str(BENCH_DIR / "data" / "media"),
        "PIGWATCH_MAX_UPLOAD_BYTES": str(8 * 1024**3),
    }
    return env


def _start_server(port: int) -> subprocess.Popen:
    env = _server_env()
    subprocess.run([sys.executable, "-m", "pigwatch", "db", "upgrade"], cwd=REPO, env=env, check=True)
    create = [sys.executable, "-m", "pigwatch", "user", "create", "--email", EMAIL, "--role", "manager"]
    subprocess.run([*create, "--password", PASSWORD], cwd=REPO, env=env, capture_output=True)  # may exist
    serve = [sys.executable, "-m", "pigwatch", "serve", "--port", str(port), "--log-level", "warning"]
    return subprocess.Popen(serve, cwd=REPO, env=env)


def _wait_ready(client: httpx.Client, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit(f"server exited with code {server.returncode}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready in 120 s")


def _file_chunks(path: Path, size: int = 1024 * 1024) -> Iterator[bytes]:
    with path.open("rb") as f:
        while piece := f.read(size):
            yield piece


def _issue_api_key() -> str:
    """A new API key of the bench manager, written straight to the (already running) embedded database."""
    import app.models  # noqa: F401
    from app.auth.repository import get_user_by_email
    from app.auth.service import create_api_key
    from app.config import Settings
    from app.db import make_engine, make_session_factory, resolve_database_url, session_scope
    from app.embedded import stop_embedded_server

    settings = Settings(_env_file=None, **_server_env())  # type: ignore[call-arg,arg-type]
    engine = make_engine(resolve_database_url(settings))
    with session_scope(make_session_factory(engine)) as session:
        user = get_user_by_email(session, EMAIL)
        assert user is not None, "the bench manager was not created"
        _, plaintext = create_api_key(session, user_id=user.id, name=f"bench {time.time_ns()}")
    engine.dispose()
    stop_embedded_server()  # detach; the server subprocess keeps it running
    return plaintext


def _make_pen(client: httpx.Client, *, auth: str) -> int:
    """Authenticate and add a farm and pen. ``password`` signs in (argon2 allocates ~64 MiB in the server,
    before the peak is reset); ``api-key`` sends a key made directly in the database (no argon2 at all)."""
    if auth == "password":
        client.post("/api/auth/login", json={"email": EMAIL, "password": PASSWORD}).raise_for_status()
    else:
        client.headers["X-API-Key"] = _issue_api_key()
    farm = client.post("/api/farms", json={"name": f"bench farm {time.time_ns()}"}).json()
    return int(client.post("/api/pens", json={"farm_id": farm["id"], "name": "bench pen"}).json()["id"])


def _reset_peak(pid: int) -> None:
    """Reset the kernel's peak-RSS counter (``VmHWM``) of ``pid`` (writing 5 to ``clear_refs``)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _upload(client: httpx.Client, video: Path, pen_id: int) -> tuple[httpx.Response, float]:
    headers = {"Content-Length": str(video.stat().st_size), "Content-Type": "video/mp4"}
    start = time.perf_counter()
    response = client.post(
        "/api/recordings", params={"pen_id": pen_id, "filename": video.name},
        content=_file_chunks(video), headers=headers, timeout=httpx.Timeout(600.0),
    )  # fmt: skip
    return response, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--gigabytes", type=float, default=1.0, help="Size of the uploaded file, GB (1e9 bytes)."
    )
    parser.add_argument(
        "--auth", choices=("password", "api-key"), default="password",
        help="How the client authenticates (a password sign-in leaves argon2's memory in the server's RSS).",
    )  # fmt: skip
    args = parser.parse_args()
    video = make_big_video(
        BENCH_DIR / f"upload-{args.gigabytes:g}gb.mp4", target_bytes=int(args.gigabytes * 1e9)
    )
    port = _free_port()
    server = _start_server(port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            _wait_ready(client, server)
            pen_id = _make_pen(client, auth=args.auth)
            before = _memory_kib(server.pid)
            _reset_peak(server.pid)
            response, seconds = _upload(client, video, pen_id)
            after = _memory_kib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(BENCH_DIR / "data" / "media" / "uploads", ignore_errors=True)  # the stored copies
    size_mb = video.stat().st_size / 1e6
    rate = size_mb / seconds
    print(f"upload: {size_mb:.0f} MB in {seconds:.1f} s ({rate:.0f} MB/s), HTTP {response.status_code}")
    if response.status_code != 201:
        print(response.text[:500])
    print(f"server RSS before upload: {before['VmRSS'] / 1024:.0f} MiB")
    print(f"server peak RSS during upload (VmHWM, reset before it): {after['VmHWM'] / 1024:.0f} MiB")
    print(f"  = {after['VmHWM'] * 1024 / 1e6:.0f} MB (target < 200 MB)")
    print(f"server RSS after upload: {after['VmRSS'] / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
