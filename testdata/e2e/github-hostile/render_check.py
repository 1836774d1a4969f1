"""Check a Markdown report rendered to HTML by cmark-gfm (GitHub's parser,
with raw HTML kept): only the elements gatekeeper writes, no attribute
(so no link, image, script or handler), each table row with all its
cells, and every <details> and <pre> closed.  Writes the rows of the
tables (lists of cell texts) as JSON to ROWS.json.

usage: render_check.py FILE.html ROWS.json
"""
import json, sys
from html.parser import HTMLParser

allowed = {"h3", "p", "strong", "code", "br", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
           "pre", "ul", "li", "em"}


class Check(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open = []
        self.cells = None
        self.rows = []
        self.text = None

    def handle_starttag(self, tag, attrs):
        assert tag in allowed, "element <%s %s> in the report" % (tag, attrs)
        # cmark-gfm writes align= on table cells of aligned columns only; we align none.
        assert not attrs, "attributes %s on <%s>" % (attrs, tag)
        if tag == "br":
            return
        self.open.append(tag)
        if tag == "tr":
            self.cells = []
        if tag in ("td", "th"):
            self.text = ""

    def handle_endtag(self, tag):
        if tag == "br":
            return
        assert self.open and self.open[-1] == tag, "</%s> closes %s" % (tag, self.open[-3:])
        self.open.pop()
        if tag in ("td", "th"):
            self.cells.append(self.text)
            self.text = None
        if tag == "tr":
            self.rows.append(self.cells)

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_comment(self, data):
        assert data.strip() in ("gatekeeper:comment", "raw HTML omitted"), "comment %r" % data


c = Check()
c.feed(open(sys.argv[1]).read())
c.close()
assert not c.open, "unclosed %s" % c.open
json.dump(c.rows, open(sys.argv[2], "w"))
print("html: %d table rows, elements all gatekeeper's" % len(c.rows))
