"""Page latency of a running pigwatch server while its worker is busy (e.g. during ``pigwatch demo``).

Signs in through the login form (reads the form's CSRF token first) with the credentials ``pigwatch demo``
prints, then every ``--every`` seconds for ``--rounds`` rounds times ``GET /`` (pens overview), ``/alerts``
and the first pig page linked from the overview, and prints each page's median and worst time in seconds
and the machine's load average. Run it in a second terminal while the demo films:

    pigwatch demo --port 8771 &          # prints "admin sign-in: EMAIL / PASSWORD"
    python bench/pages_during_demo.py --url http://127.0.0.1:8771 --email EMAIL --password PASSWORD
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time

import httpx

CSRF_FIELD = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
PIG_LINK = re.compile(r'href="(/pigs/\d+)[^"]*"')


def sign_in(client: httpx.Client, email: str, password: str) -> None:
    """Log in through ``/login`` (GET for the CSRF token, then POST the form).

    Raises:
        SystemExit: the login page has no CSRF field, or the credentials are refused.
    """
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text)
    if token is None:
        sys.exit(f"no CSRF field on {client.base_url}/login (HTTP {page.status_code}): is this pigwatch?")
    form = {"email": email, "password": password, "csrf_token": token.group(1)}
    response = client.post("/login", data=form, follow_redirects=False)
    if response.status_code != 303:
        sys.exit(f"sign-in refused (HTTP {response.status_code}); use the credentials the demo printed")


def timed_get(client: httpx.Client, path: str) -> tuple[float, str]:
    """(seconds, body) of one GET; exits with a message on a non-200 answer."""
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        sys.exit(f"GET {path}: HTTP {response.status_code}")
    return elapsed, response.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--every", type=float, default=20.0, help="seconds between rounds")
    args = parser.parse_args()
    timings: dict[str, list[float]] = {"/": [], "/alerts": [], "pig page": []}
    loads = []
    try:
        with httpx.Client(base_url=args.url, timeout=30.0) as client:
            sign_in(client, args.email, args.password)
            for round_index in range(args.rounds):
                seconds, overview = timed_get(client, "/")
                timings["/"].append(seconds)
                timings["/alerts"].append(timed_get(client, "/alerts")[0])
                pig = PIG_LINK.search(overview)
                if pig is not None:  # the pen has no animals before re-ID creates them
                    timings["pig page"].append(timed_get(client, pig.group(1))[0])
                loads.append(os.getloadavg()[0])
                if round_index + 1 < args.rounds:
                    time.sleep(args.every)
    except httpx.HTTPError as exc:
        sys.exit(f"could not reach {args.url}: {exc}")
    for page, values in timings.items():
        if values:
            median, worst = statistics.median(values), max(values)
            print(f"{page:9s} n={len(values):3d} median {median:.2f} s  worst {worst:.2f} s")
    print(f"load average {min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
