"""The review app in a browser: `swapview serve` runs one review app process per tab.

`server` is the web side (aiohttp + textual-serve's per-tab process manager; it never
loads Textual); `tab` is what each browser tab runs; `app` is the review app with the
browser's differences (asking who is reviewing).
"""
