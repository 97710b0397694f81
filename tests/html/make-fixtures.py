#!/usr/bin/env python3
"""Build the HTML fixtures of tests/cases/ from the seed transcripts.

usage: tests/html/make-fixtures.py [CASES_DIR]

Each tests/cases/seed-NNN.txt becomes three saved pages, each the text twin
of the seed set in a page shell as real sites have it:

  seed-NNN.page.html   the ministry's current site: <p> paragraphs, <h1>
                       title, the agenda as nested <ol>, inside a shell with
                       head, styles, scripts, a cookie banner, header with
                       language switcher and search form, nav menu,
                       breadcrumbs, an ad, a share bar, related news, footer
                       (UTF-8)
  seed-NNN.divs.html   an embassy mirror: nested <div>s, text lines ended by
                       <br>, the agenda as <ol>/<ul>, a language-switcher line
                       of links, a menu of links (windows-1251, declared by
                       http-equiv)
  seed-NNN.table.html  a news-archive copy, GlobalSecurity style: the page is
                       a table with a link column, <p> paragraphs, "Back to
                       top" as the broken anchor such pages have (UTF-8)

A fixture gives the same records as its text twin except for source, spans
and evidence offsets (tests/sh/35-html.sh checks that, and its golden file).
The layouts reproduce the twin's lines exactly: a blank line between blocks,
list items on consecutive lines, extra blank lines as <br>.
"""
import html
import os
import re
import sys

ITEM = re.compile(r"^(\s*)(\d+(?:\.\d+)*)[.)]\s+(.*)$|^(\s*)([-*\u2022])\s+(.*)$")
LABEL = re.compile(r"^((?:Question|[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){1,5})(?: \([^)]*\))?:)(\s.*)$")


def esc(s):
    return html.escape(s, quote=False)


def groups(text):
    """[(kind, lines, blanks_after)]: runs of non-blank lines and how many
    blank lines follow each."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out, i = [], 0
    lead = 0
    while i < len(lines) and not lines[i].strip():
        lead += 1
        i += 1
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        k = j
        while k < len(lines) and not lines[k].strip():
            k += 1
        run = lines[i:j]
        kind = "list" if len(run) > 1 and all(ITEM.match(x) for x in run) else "lines"
        out.append((kind, run, k - j))
        i = k
    return out


def items(run):
    """(indent, number or None, text) per list line."""
    res = []
    for line in run:
        m = ITEM.match(line)
        if m.group(2) is not None:
            res.append((len(m.group(1)), m.group(2), m.group(3)))
        else:
            res.append((len(m.group(4)), None, m.group(6)))
    return res


def render_list(run, indent=""):
    """Nested <ol>/<ul> by indentation; numbers kept with start/value."""
    its = items(run)
    levels = sorted(set(i for i, _, _ in its))
    out = []

    def emit(pos, level):
        kind = "ol" if its[pos][1] is not None else "ul"
        first = its[pos][1]
        start = ""
        if kind == "ol" and first is not None and first.split(".")[-1] != "1":
            start = ' start="%s"' % first.split(".")[-1]
        out.append("%s<%s%s>" % (indent, kind, start))
        expect = int(first.split(".")[-1]) if kind == "ol" else None
        while pos < len(its) and levels.index(its[pos][0]) == level:
            ind, num, text = its[pos]
            value = ""
            if kind == "ol" and num is not None:
                n = int(num.split(".")[-1])
                if n != expect:
                    value = ' value="%d"' % n
                expect = n + 1
            out.append('%s  <li%s><a href="#s%d">%s</a>' % (indent, value, pos, esc(text)))
            pos += 1
            if pos < len(its) and levels.index(its[pos][0]) > level:
                pos = emit(pos, level + 1)
            out.append("</li>")
            if pos < len(its) and levels.index(its[pos][0]) < level:
                break
        out.append("%s</%s>" % (indent, kind))
        return pos

    pos = 0
    while pos < len(its):
        pos = emit(pos, levels.index(its[pos][0]))
    return "\n".join(out)


def inline(line, label_tag="strong"):
    """A text line as inline HTML: a speaker label in bold."""
    line = line.strip()
    m = LABEL.match(line)
    if m:
        return "<%s>%s</%s>%s" % (label_tag, esc(m.group(1)), label_tag, esc(m.group(2)))
    return esc(line)


def back_to_top(line, broken):
    if line.strip().endswith("Back to top"):
        if broken or line.strip() != "Back to top":
            return '<a href="#top"" rel="111">Back to top</a>'
        return '<a href="#top">Back to top</a>'
    return None


# ---- layout 1: the ministry's current site -------------------------------------

PAGE_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - The Ministry of Foreign Affairs of the Russian Federation</title>
<link rel="stylesheet" href="/static/css/main.css?v=3.14">
<style>
  body {{ font-family: "PT Sans", sans-serif; }} .announce > p {{ margin: 0 0 1em; }}
  .cookie-banner {{ position: fixed; bottom: 0; }} a[href^="#"]::after {{ content: "<p>"; }}
</style>
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag() {{ dataLayer.push(arguments); }}
  if (document.cookie.indexOf("ok=1") < 0 && 1 > 0) {{ document.write("<div>not content</div>"); }}
</script>
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}"}}</script>
</head>
<body class="page page--news">
<div class="cookie-banner" role="dialog" aria-label="Cookies">
  <p>This website uses cookies to make it easier to use. By continuing to browse it you agree to our <a href="/en/cookies/">use of cookies</a>.</p>
  <button type="button">Accept</button>
</div>
<header class="site-header">
  <a class="logo" href="/en/"><img src="/static/img/emblem.svg" alt="The Ministry of Foreign Affairs of the Russian Federation"></a>
  <ul class="languages">
    <li><a href="/ru/press_service/spokesman/briefings/">Русский</a></li>
    <li><a href="/en/press_service/spokesman/briefings/">English</a></li>
    <li><a href="/fr/press_service/spokesman/briefings/">Français</a></li>
    <li><a href="/de/press_service/spokesman/briefings/">Deutsch</a></li>
    <li><a href="/es/press_service/spokesman/briefings/">Español</a></li>
  </ul>
  <form class="search" action="/en/search/"><input type="text" name="q" placeholder="Search"><button>Find</button></form>
</header>
<nav class="main-menu">
  <ul>
    <li><a href="/en/about/">About the Ministry</a></li>
    <li><a href="/en/foreign_policy/">Foreign policy</a>
      <ul><li><a href="/en/foreign_policy/news/">News</a></li><li><a href="/en/foreign_policy/international_safety/">International security</a></li></ul></li>
    <li><a href="/en/press_service/">Press service</a></li>
    <li><a href="/en/consular_services/">Consular services</a></li>
  </ul>
</nav>
<div class="breadcrumbs"><a href="/en/">Home</a> &rsaquo; <a href="/en/press_service/">Press service</a> &rsaquo; <a href="/en/press_service/spokesman/briefings/">Briefings</a></div>
<main>
<article class="announce">
<div class="banner-ad"><iframe src="https://ads.example.net/frame?slot=12" width="728" height="90"></iframe>
  <p><a href="https://ads.example.net/click?slot=12">Advertisement</a></p></div>
"""

PAGE_TAIL = """<div class="share-bar"><span>Share:</span>
  <a href="https://vk.com/share.php?url=https%3A%2F%2Fmid.ru%2Fen%2F">VK</a>
  <a href="https://t.me/share/url?url=https%3A%2F%2Fmid.ru%2Fen%2F">Telegram</a>
  <a href="https://twitter.com/intent/tweet?url=https%3A%2F%2Fmid.ru%2Fen%2F">Twitter</a>
  <a href="javascript:window.print()">Print</a></div>
</article>
<section class="related">
  <h3>Related news</h3>
  <ul>
    <li><a href="/en/press_service/spokesman/briefings/1001/">Briefing by Foreign Ministry Spokesperson, the week before</a> <span class="date">02.02.2017</span></li>
    <li><a href="/en/foreign_policy/news/1002/">Foreign Minister Sergey Lavrov’s remarks</a> <span class="date">01.02.2017</span></li>
    <li><a href="/en/foreign_policy/news/1003/">Comment by the Information and Press Department</a> <span class="date">31.01.2017</span></li>
  </ul>
</section>
</main>
<footer class="site-footer">
  <p>&copy; 2005&ndash;2024 The Ministry of Foreign Affairs of the Russian Federation</p>
  <ul><li><a href="/en/contacts/">Contacts</a></li><li><a href="/en/sitemap/">Site map</a></li><li><a href="/en/rss/">RSS</a></li></ul>
</footer>
<script src="/static/js/app.js"></script>
<script>document.querySelectorAll("a").forEach(function (a) { if (a.href < "") {} });</script>
</body>
</html>
"""


def layout_page(gs, title):
    out = [PAGE_HEAD.format(title=esc(title))]
    prev_back = False
    for kind, run, blanks in gs:
        if kind == "list":
            out.append(render_list(run))
        else:
            line = run[0]
            b = back_to_top(line, False)
            if b:
                out.append('<p class="back">%s</p>' % b)
            elif line.startswith("Briefing by"):
                out.append("<h1>%s</h1>" % esc(line.strip()))
            elif prev_back:
                out.append("<h2>%s</h2>" % esc(line.strip()))
            else:
                out.append("<p>%s</p>" % inline(line).replace("\u00a0", "&nbsp;"))
            prev_back = bool(b)
        out.append("<br>" * max(blanks - 1, 0))
    out.append(PAGE_TAIL)
    return "\n".join(out)


# ---- layout 2: an embassy mirror, nested divs and <br> ---------------------------

DIVS_HEAD = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>{title}</title>
<style type="text/css">.menu a {{ color: #003366 }}</style>
<script type="text/javascript">var _gaq = _gaq || []; _gaq.push(['_trackPageview']);</script>
</head>
<body>
<div id="wrapper">
 <div id="top">
  <div class="langs"><a href="/ru/">Русский</a> | <a href="/en/">English</a> | <a href="/de/">Deutsch</a></div>
  <div class="logo"><a href="/en/"><img src="/img/logo.gif" alt="Embassy"></a></div>
 </div>
 <div id="menu"><div class="menu">
  <a href="/en/embassy/">The Embassy</a><br>
  <a href="/en/ambassador/">The Ambassador</a><br>
  <a href="/en/news/">News</a><br>
  <a href="/en/consular/">Consular issues</a><br>
 </div></div>
 <div id="content">
  <div class="content-inner">
   <div class="text">
<div class="part"><div class="part-body">
"""

DIVS_TAIL = """</div></div>
   </div>
   <div class="print"><a href="?print=1">Print version</a> <a href="mailto:?subject=Briefing">Send by e-mail</a></div>
  </div>
 </div>
 <div id="bottom"><div class="copy"><a href="/en/">Embassy of the Russian Federation</a> <a href="/en/contacts/">Contacts</a></div></div>
</div>
<!-- Yandex.Metrika counter --><script>(function (m) { m.ym = 1; })(window);</script>
<noscript><div><img src="https://mc.yandex.ru/watch/1" alt=""></div></noscript>
</body>
</html>
"""


def layout_divs(gs, title):
    # each "Back to top" closes the nested section divs and opens the next:
    # after a blank line, where a block adds no line
    out = [DIVS_HEAD.format(title=esc(title))]
    for kind, run, blanks in gs:
        if kind == "list":
            out.append(render_list(run))
            out.append("<br>" * max(blanks - 1, 0))
            continue
        line = run[0]
        b = back_to_top(line, False)
        if b:
            out.append(b + "<br>" * (blanks + 1) +
                       '</div></div>\n<div class="part"><div class="part-body">')
            continue
        out.append(inline(line, "b").replace("\u00a0", "&nbsp;") + "<br>" * (blanks + 1))
    out.append(DIVS_TAIL)
    return "\n".join(out)


# ---- layout 3: a news-archive copy in tables -------------------------------------

TABLE_HEAD = """<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML>
<HEAD>
<TITLE>{title}</TITLE>
<META http-equiv="Content-Type" content="text/html; charset=utf-8">
<SCRIPT language="JavaScript">function popup(u) {{ window.open(u, "x", "width=400"); }}</SCRIPT>
</HEAD>
<BODY bgcolor="#FFFFFF" topmargin=0 leftmargin=0>
<TABLE width="100%" border=0 cellpadding=0 cellspacing=0>
<TR><TD colspan=2><A href="/"><IMG src="/images/gs-logo.gif" alt="GlobalSecurity.org" border=0></A>
 <A href="/military/">Military</A> | <A href="/wmd/">WMD</A> | <A href="/intell/">Intelligence</A> | <A href="/space/">Space</A> | <A href="/security/">Homeland</A></TD></TR>
<TR>
<TD valign=top width=160>
 <A href="/wmd/world/russia/">Russia</A><BR>
 <A href="/wmd/world/russia/nuke.htm">Nuclear Weapons</A><BR>
 <A href="/wmd/world/russia/cw.htm">Chemical Weapons</A><BR>
 <A href="/wmd/library/news/russia/">News</A><BR>
 <FORM action="/search/"><INPUT name=q size=12><INPUT type=submit value="Search"></FORM>
</TD>
<TD valign=top>
"""

TABLE_TAIL = """</TD></TR>
<TR><TD colspan=2><A href="/about/">About Us</A> | <A href="/privacy.htm">Privacy</A> | <A href="/contact.htm">Contact</A>
<BR><FONT size=-2>Copyright &copy; 2000-2024 <A href="/">GlobalSecurity.org</A> All rights reserved.</FONT></TD></TR>
</TABLE>
</BODY>
</HTML>
"""


def layout_table(gs, title):
    out = [TABLE_HEAD.format(title=esc(title))]
    for kind, run, blanks in gs:
        if kind == "list":
            out.append("<P>" + "<BR>\n".join(esc(x) for x in run) + "</P>")
        else:
            line = run[0]
            b = back_to_top(line, True)
            if b:
                out.append("<P>%s</P>" % b)
            elif line.startswith("Briefing by"):
                out.append("<P><FONT size=+1><B>%s</B></FONT></P>" % esc(line.strip()))
            else:
                out.append("<P>%s</P>" % inline(line, "B"))
        out.append("<BR>" * max(blanks - 1, 0))
    out.append(TABLE_TAIL)
    return "\n".join(out)


LAYOUTS = [("page", layout_page, "utf-8"), ("divs", layout_divs, "windows-1251"),
           ("table", layout_table, "utf-8")]


def main():
    cases = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "cases")
    for name in sorted(os.listdir(cases)):
        if not re.match(r"seed-\d+\.txt$", name):
            continue
        text = open(os.path.join(cases, name), encoding="utf-8").read()
        gs = groups(text)
        title = next((l.strip() for l in text.split("\n") if l.startswith("Briefing by")), "Briefing")
        for lname, fn, enc in LAYOUTS:
            page = fn(gs, title)
            data = page.encode(enc, errors="xmlcharrefreplace")
            out = os.path.join(cases, name[:-4] + "." + lname + ".html")
            with open(out, "wb") as f:
                f.write(data)
            print("%s (%d bytes, %s)" % (out, len(data), enc))


if __name__ == "__main__":
    main()
