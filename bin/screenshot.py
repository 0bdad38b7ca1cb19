#!/usr/bin/env python3
"""Screenshot pages of a running fangkong at desktop and phone width (Playwright + Debian chromium).

usage: bin/screenshot.py BASE_URL OUT_DIR [--user U --password P] PATH [PATH ...]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("out")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=args.chromium, args=ARGS, headless=True)
        for width, height, tag in ((1280, 900, "desktop"), (390, 844, "phone")):
            ctx = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            page = ctx.new_page()
            if args.user:
                page.goto(f"{args.base}/accounts/login/")
                page.fill("#id_username", args.user)
                page.fill("#id_password", args.password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
            for path in args.paths:
                page.goto(f"{args.base}{path}")
                page.wait_for_load_state("networkidle")
                name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
                page.screenshot(path=str(out / f"{name}-{tag}.png"), full_page=True)
                print(out / f"{name}-{tag}.png")
            ctx.close()
        browser.close()


if __name__ == "__main__":
    main()
