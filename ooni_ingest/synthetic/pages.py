"""HTML bodies the synthetic probe receives: the sites' own pages and the pages traps put in their way.

Bodies are what makes a real measurement weigh 5 to 40 KB, so every site gets a plausible page of
its own size (deterministic per domain). Trap pages (Cloudflare challenge, a home router's login
page, a filtering resolver's block page, a firewall's DNSBL page) carry the titles and markers
that analysts and fingerprints recognise; their wording is written for this generator and every
page says it is synthetic.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from ooni_ingest.synthetic.landscape import Site

_EN_WORDS = ["province", "government", "council", "report", "minister", "community", "land", "rights", "election", "court", "villagers", "river", "development", "investment", "police", "journalist", "commune", "garment", "workers", "union", "tourism", "festival", "market", "price", "rice", "farmers", "health", "school", "students", "teachers", "ministry", "announced", "officials", "program", "environment", "forest", "fishing", "lake", "bridge", "road", "project", "budget", "economy", "export", "company", "provincial", "national", "assembly", "interview", "opinion", "analysis", "weather", "monsoon", "flooding", "drought", "temple", "heritage"]
_KM_WORDS = ["ព័ត៌មាន", "រដ្ឋាភិបាល", "ខេត្ត", "សហគមន៍", "ការបោះឆ្នោត", "តុលាការ", "កសិករ", "ទន្លេ", "សិទ្ធិ", "ដីធ្លី", "សាលារៀន", "សុខភាព", "ទីផ្សារ", "អង្ករ", "ការអភិវឌ្ឍ", "ប្រជាពលរដ្ឋ", "ក្រសួង", "សេដ្ឋកិច្ច", "វប្បធម៌", "ប្រាសាទ", "ព្រៃឈើ"]

_STYLE = (
    "body{margin:0;font-family:'Noto Sans Khmer',Arial,sans-serif;color:#222;background:#fafafa}"
    "header{background:#0b3d6e;color:#fff;padding:12px 24px}nav a{color:#cfe3ff;margin-right:14px;"
    "text-decoration:none}main{max-width:960px;margin:0 auto;padding:16px}article{border-bottom:1px "
    "solid #ddd;padding:12px 0}article h2{font-size:1.2em;margin:0 0 6px}footer{font-size:.8em;"
    "color:#666;padding:24px;text-align:center}.meta{color:#888;font-size:.85em}"
)
_SCRIPT = (
    "window.dataLayer=window.dataLayer||[];function gtagSynthetic(){dataLayer.push(arguments)}"
    "document.addEventListener('DOMContentLoaded',function(){var m=document.querySelectorAll('.meta');"
    "for(var i=0;i<m.length;i++){m[i].setAttribute('data-synthetic','true')}});"
)


@dataclass(frozen=True, slots=True, eq=False)
class Page:
    status: int
    title: str
    body: str
    headers: tuple[tuple[str, str], ...]   # without Date, added per measurement
    body_length: int                        # bytes of the UTF-8 body


def _page(status: int, title: str, body: str, headers: tuple[tuple[str, str], ...]) -> Page:
    length = len(body.encode("utf-8"))
    return Page(status, title, body, (*headers, ("Content-Length", str(length))), length)


def _rng(*parts: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256("|".join(parts).encode()).digest()[:8], "big"))


def _sentence(rng: random.Random, khmer: bool) -> str:
    words = [rng.choice(_EN_WORDS) for _ in range(rng.randint(8, 18))]
    if khmer and rng.random() < 0.5:
        words = [rng.choice(_KM_WORDS) for _ in range(rng.randint(5, 10))]
    return " ".join(words).capitalize() + "."


def _pretty_name(domain: str) -> str:
    stem = domain.removeprefix("www.").split(".")[0]
    return " ".join(w.capitalize() for w in stem.split("-"))


@cache
def site_page(site: Site) -> Page:
    """The site's home page as the test helper and an unhindered probe see it."""
    rng = _rng("page", site.domain)
    name = _pretty_name(site.domain)
    khmer = site.list_name == "kh"
    title = f"{name} | synthetic site" if not khmer else f"{name} - ព័ត៌មាន | synthetic site"
    # Page sizes are log-normal around 6 KB, as home pages of small news and NGO sites are.
    target = int(min(30_000, max(1_800, rng.lognormvariate(7.75, 0.6))))
    parts = [
        "<!DOCTYPE html>\n<html lang=\"", "km" if khmer else "en", "\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        f"<title>{title}</title>\n<meta name=\"generator\" content=\"imap synthetic data generator\">\n",
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<header><h1>{name}</h1><nav>",
        "".join(f"<a href=\"/{w}/\">{w.capitalize()}</a>" for w in rng.sample(_EN_WORDS, 6)),
        "</nav></header>\n<main>\n<p><em>Synthetic demo website: not a real publication.</em></p>\n",
    ]
    size = sum(len(p) for p in parts)
    n = 0
    while size < target:
        n += 1
        art = (
            f"<article><h2><a href=\"/{n}/{rng.choice(_EN_WORDS)}-{rng.choice(_EN_WORDS)}/\">"
            f"{_sentence(rng, khmer)}</a></h2><p class=\"meta\">2024-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"
            f"</p><p>{' '.join(_sentence(rng, khmer) for _ in range(rng.randint(2, 5)))}</p></article>\n"
        )
        parts.append(art)
        size += len(art)
    parts.append(f"</main>\n<footer>&copy; {name} (synthetic)</footer>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n")
    body = "".join(parts)
    server = {"cloudflare": "cloudflare", "fastly": "Varnish", "akamai": "AkamaiGHost", "google": "gws"}.get(
        site.hosting, rng.choice(("nginx", "Apache/2.4.57 (Ubuntu)", "nginx/1.24.0", "LiteSpeed"))
    )
    headers = [("Content-Type", "text/html; charset=UTF-8"), ("Server", server), ("Vary", "Accept-Encoding")]
    if site.hosting == "cloudflare":
        headers.append(("Cf-Cache-Status", "DYNAMIC"))
    if rng.random() < 0.6:
        headers.append(("X-Powered-By", rng.choice(("PHP/8.1.27", "WordPress", "Express"))))
    if not site.legacy_http:
        headers.append(("Strict-Transport-Security", "max-age=31536000"))
    return _page(200, title, body, tuple(headers))


@cache
def redirect_page(site: Site) -> Page:
    """The 301 from http:// to https:// that most sites answer on port 80."""
    location = "https://" + site.url.split("://", 1)[1]
    body = (
        "<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n"
        "<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return _page(301, "301 Moved Permanently", body,
                 (("Content-Type", "text/html"), ("Location", location), ("Server", "nginx")))


@cache
def cloudflare_challenge(site: Site) -> Page:
    """Cloudflare's managed challenge, served to probes the site's bot protection distrusts."""
    rng = _rng("cf", site.domain)
    filler = "".join(f"{rng.getrandbits(32):08x}" for _ in range(700))
    body = (
        "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
        "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">"
        "<meta name=\"robots\" content=\"noindex,nofollow\"><meta name=\"viewport\" content=\"width=device-width,"
        "initial-scale=1\"><style>*{box-sizing:border-box;margin:0;padding:0}html{line-height:1.15}"
        "body{display:flex;flex-direction:column;height:100vh;min-height:100vh}.main-content{margin:8rem auto;"
        "max-width:60rem;padding-left:1.5rem}</style></head><body><div class=\"main-wrapper\" role=\"main\">"
        f"<div class=\"main-content\"><h1 class=\"zone-name-title h1\">{site.domain}</h1>"
        "<h2 class=\"h2\" id=\"challenge-running\">Checking if the site connection is secure</h2>"
        f"<noscript>Enable JavaScript and cookies to continue</noscript></div></div><script>(function(){{window._cf_chl_opt={{cvId:'3',cZone:'{site.domain}',cType:'managed',cRay:'{rng.getrandbits(64):016x}',cH:'{filler}'}};}}());</script>"
        "<div class=\"footer\" role=\"contentinfo\"><div class=\"footer-inner\">Performance &amp; security by "
        "Cloudflare (synthetic copy)</div></div></body></html>"
    )
    return _page(403, "Just a moment...", body, (
        ("Content-Type", "text/html; charset=UTF-8"), ("Server", "cloudflare"), ("Cf-Mitigated", "challenge"),
        ("Cache-Control", "private, max-age=0, no-store, no-cache, must-revalidate"),
        ("Cross-Origin-Opener-Policy", "same-origin"), ("X-Frame-Options", "SAMEORIGIN"),
    ))


@cache
def one_moment_challenge(site: Site) -> Page:
    """A hosting provider's bot check ("One moment, please..."), another known false positive."""
    body = (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>One moment, please...</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>body{background:#fff;"
        "font-family:sans-serif;text-align:center;padding-top:20vh}.loader{margin:auto;width:48px;height:48px}</style>\n"
        "</head>\n<body>\n<div class=\"loader\"></div>\n<h1>Please wait while your request is being verified...</h1>\n"
        "<p>(synthetic copy)</p>\n<script>setTimeout(function(){location.reload()},3000)</script>\n</body>\n</html>\n"
    )
    return _page(202, "One moment, please...", body, (("Content-Type", "text/html; charset=UTF-8"),
                                                      ("Server", "nginx"), ("Cache-Control", "no-cache")))


@lru_cache(maxsize=1)
def router_login_page() -> Page:
    """A home GPON router's login page, answered when the router hijacks DNS after an upstream failure."""
    body = (
        "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n"
        "<title>GPON Home Gateway</title>\n<link rel=\"stylesheet\" href=\"/css/login.css\">\n"
        "<script language=\"javascript\" src=\"/js/util.js\"></script>\n</head>\n<body>\n"
        "<form name=\"login\" method=\"post\" action=\"/GponForm/LoginForm\">\n<table class=\"login\">\n"
        "<tr><td>Username</td><td><input type=\"text\" name=\"XWebPageName\"></td></tr>\n"
        "<tr><td>Password</td><td><input type=\"password\" name=\"PWD\"></td></tr>\n"
        "<tr><td colspan=\"2\"><input type=\"submit\" value=\"Login\"></td></tr>\n</table>\n</form>\n"
        "<!-- synthetic copy -->\n</body>\n</html>\n"
    )
    return _page(200, "GPON Home Gateway", body, (("Content-Type", "text/html"), ("Server", "GoAhead-Webs")))


@lru_cache(maxsize=1)
def opendns_block_page() -> Page:
    """What a user of a filtering public resolver gets for a filtered category (synthetic wording)."""
    body = (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>Site Blocked</title>\n</head>\n<body>\n"
        "<div id=\"main\"><h1>This site is blocked.</h1>\n<p>This domain is blocked due to a content filtering "
        "policy set by your DNS provider (OpenDNS FamilyShield).</p>\n<p class=\"note\">Synthetic copy made by "
        "the imap generator.</p></div>\n</body>\n</html>\n"
    )
    return _page(200, "Site Blocked", body, (("Content-Type", "text/html"), ("Server", "OpenDNS Block Page")))


@lru_cache(maxsize=1)
def pfblocker_page() -> Page:
    """pfBlockerNG's DNSBL web server: a near-empty page on the firewall's own address."""
    body = "<html><head><title>DNSBL</title></head><body><!-- pfBlockerNG DNSBL, synthetic copy --></body></html>\n"
    return _page(200, "DNSBL", body, (("Content-Type", "text/html; charset=UTF-8"), ("Server", "nginx")))


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def title_of(body: str) -> str:
    m = _TITLE.search(body)
    return " ".join(m.group(1).split()) if m else ""
