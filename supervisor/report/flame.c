/*
 * flame — the flame graph renderer (see flame.h): folded stacks -> a tree
 * of frames (the stacks sorted, so a frame's children are made in name
 * order and the child to extend is always the last one made) -> one
 * <g> per frame wide enough to see.
 */
#include "supervisor/report/flame.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/utf8.h"
#include "shared/util.h"

struct node {
	const char *name;         /* borrowed from the fold's stacks */
	size_t len;
	uint64_t count;           /* samples in it and its callees */
	uint64_t self;
	size_t first, last, next; /* children and sibling: indexes + 1; 0 none */
	unsigned depth;
};

struct tree {
	struct node *v;
	size_t n, cap;
	unsigned maxdepth;
};

static size_t
node_new(struct tree *t, const char *name, size_t len, unsigned depth)
{
	struct node *n;

	util_grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v));
	n = &t->v[t->n];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->len = len;
	n->depth = depth;
	if (depth > t->maxdepth)
		t->maxdepth = depth;
	return ++t->n;
}

static void
tree_build(struct tree *t, struct fold *f)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	fold_sort(f);
	node_new(t, "all", 3, 0);
	for (i = 0; i < f->n; i++) {
		const char *s = f->v[i].stack;
		uint64_t c = f->v[i].count;
		size_t cur = 1;
		unsigned depth = 0;

		t->v[0].count += c;
		while (*s != '\0') {
			const char *semi = strchr(s, ';');
			size_t len = semi ? (size_t)(semi - s) : strlen(s);
			size_t last = t->v[cur - 1].last;

			depth++;
			if (last == 0 || t->v[last - 1].len != len ||
			    memcmp(t->v[last - 1].name, s, len) != 0) {
				size_t k = node_new(t, s, len, depth);

				if (t->v[cur - 1].last != 0)
					t->v[t->v[cur - 1].last - 1].next = k;
				else
					t->v[cur - 1].first = k;
				t->v[cur - 1].last = k;
				last = k;
			}
			t->v[last - 1].count += c;
			cur = last;
			s += len;
			if (*s == ';')
				s++;
		}
		t->v[cur - 1].self += c;
	}
}

void
flame_escape(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		switch (c) {
		case '&': buf_addstr(out, "&amp;"); i++; continue;
		case '<': buf_addstr(out, "&lt;"); i++; continue;
		case '>': buf_addstr(out, "&gt;"); i++; continue;
		case '"': buf_addstr(out, "&quot;"); i++; continue;
		case '\'': buf_addstr(out, "&#39;"); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf_addch(out, '?');
			i++;
			continue;
		}
		if (c < 0x80) {
			buf_addch(out, (char)c);
			i++;
			continue;
		}
		k = utf8_seq_len(s + i, len - i);
		if (k == 0) {
			buf_addch(out, '?');
			i++;
			continue;
		}
		buf_add(out, s + i, k);
		i += k;
	}
}

/* A warm colour from the name (FNV-1a): reds to yellows, as flame graphs are. */
static void
colour(char *b, size_t n, const char *name, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	/* A module in brackets ("[libc.so.6]") gets a cooler, greyish tone. */
	for (i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	if (len > 1 && name[0] == '[')
		snprintf(b, n, "rgb(%u,%u,%u)", 170 + (h & 31), 170 + (h >> 5 & 31), 150 + (h >> 10 & 31));
	else
		snprintf(b, n, "rgb(%u,%u,%u)", 205 + (h % 50), (h >> 8) % 230, (h >> 16) % 55);
}

#define FONT 12
#define FRAME_H 16
#define PAD 10
#define TOP 60                    /* title, subtitle, controls */
#define BOTTOM 28                 /* the details line */
#define CHAR_W (FONT * 0.59)

/* The text of a box w pixels wide: what fits, ".." when cut, nothing
 * when not even three characters fit. */
static void
box_text(struct buf *out, const char *name, size_t len, double w)
{
	size_t fit = w > 6 ? (size_t)((w - 6) / CHAR_W) : 0;
	size_t k;

	if (fit < 3)
		return;
	if (len <= fit) {
		flame_escape(out, name, len);
		return;
	}
	/* Cut on a UTF-8 boundary. */
	k = fit - 2;
	while (k > 0 && ((unsigned char)name[k] & 0xc0) == 0x80)
		k--;
	flame_escape(out, name, k);
	buf_addstr(out, "..");
}

/* The script, written for this renderer: zoom, reset, search. */
static const char script[] =
    "(function(){\n"
    "var svg=document.currentScript?document.currentScript.closest('svg'):null;\n"
    "if(!svg){var all=document.getElementsByTagName('svg');svg=all[all.length-1];}\n"
    "var W=+svg.getAttribute('data-width'),P=+svg.getAttribute('data-pad'),CW=+svg.getAttribute('data-cw');\n"
    "var total=+svg.getAttribute('data-total');\n"
    "var fs=[].slice.call(svg.querySelectorAll('g.f'));\n"
    "var det=svg.querySelector('.details'),rz=svg.querySelector('.reset'),\n"
    "  sb=svg.querySelector('.search'),mt=svg.querySelector('.matched');\n"
    "function A(g,k){return +g.getAttribute(k);}\n"
    "function nm(g){return g.getAttribute('data-n');}\n"
    "function fit(g,w){var t=g.querySelector('text'),n=nm(g),c=Math.floor((w-6)/CW);\n"
    "  t.textContent=c<3?'':n.length<=c?n:n.substring(0,c-2)+'..';}\n"
    "function place(g,x,w){var r=g.querySelector('rect'),t=g.querySelector('text');\n"
    "  r.setAttribute('x',x.toFixed(2));r.setAttribute('width',Math.max(w,0).toFixed(2));\n"
    "  t.setAttribute('x',(x+3).toFixed(2));fit(g,w);}\n"
    "var scale=(W-2*P)/total;\n"
    "function zoom(z){var x0=A(z,'data-x'),w0=A(z,'data-w'),d0=A(z,'data-d'),s=(W-2*P)/w0;\n"
    "  fs.forEach(function(g){var x=A(g,'data-x'),w=A(g,'data-w'),d=A(g,'data-d');\n"
    "    g.classList.remove('hide');g.classList.remove('anc');\n"
    "    if(d>=d0&&x>=x0&&x+w<=x0+w0){var pw=w*s;if(pw<0.1){g.classList.add('hide');return;}\n"
    "      place(g,P+(x-x0)*s,pw);}\n"
    "    else if(d<d0&&x<=x0&&x+w>=x0+w0){g.classList.add('anc');place(g,P,W-2*P);}\n"
    "    else g.classList.add('hide');});\n"
    "  rz.classList.remove('hide');}\n"
    "function unzoom(){fs.forEach(function(g){g.classList.remove('hide');g.classList.remove('anc');\n"
    "    place(g,P+A(g,'data-x')*scale,A(g,'data-w')*scale);});rz.classList.add('hide');}\n"
    "fs.forEach(function(g){\n"
    "  g.addEventListener('click',function(){if(A(g,'data-d')===0)unzoom();else zoom(g);});\n"
    "  g.addEventListener('mouseover',function(){det.textContent=g.querySelector('title').textContent;});\n"
    "  g.addEventListener('mouseout',function(){det.textContent=' ';});});\n"
    "rz.addEventListener('click',unzoom);\n"
    "function search(re){var iv=[];fs.forEach(function(g){\n"
    "    var m=re!==null&&re.test(nm(g));g.classList.toggle('match',m);\n"
    "    if(m)iv.push([A(g,'data-x'),A(g,'data-x')+A(g,'data-w')]);});\n"
    "  if(re===null){mt.textContent=' ';sb.textContent='Search';return;}\n"
    "  iv.sort(function(a,b){return a[0]-b[0]||b[1]-a[1];});var sum=0,end=-1;\n"
    "  iv.forEach(function(v){if(v[0]>=end){sum+=v[1]-v[0];end=v[1];}else if(v[1]>end){sum+=v[1]-end;end=v[1];}});\n"
    "  mt.textContent='Matched: '+(100*sum/total).toFixed(1)+'%';sb.textContent='Reset search';}\n"
    "svg.flameSearch=function(s){search(s===null||s===''?null:new RegExp(s));};\n"
    "sb.addEventListener('click',function(){if(sb.textContent!=='Search'){search(null);return;}\n"
    "  var s=window.prompt('Search for (a regular expression):','');\n"
    "  if(s){try{search(new RegExp(s));}catch(e){mt.textContent='Bad expression';}}});\n"
    "})();\n";

void
flame_svg(struct buf *out, struct fold *f, const struct flame_opts *o)
{
	struct tree t;
	unsigned width = o->width ? o->width : 1200;
	const char *id = o->id ? o->id : "flame";
	double scale;
	unsigned height;
	uint64_t total;
	size_t i, *stack = NULL, *xs = NULL, sp = 0, cap = 0, capx = 0;
	char col[48];

	tree_build(&t, f);
	total = t.v[0].count;
	height = TOP + (t.maxdepth + 1) * FRAME_H + BOTTOM;
	scale = total ? (double)(width - 2 * PAD) / (double)total : 0;
	if (o->standalone)
		buf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	buf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" id=\"");
	flame_escape(out, id, strlen(id));
	buf_addf(out, "\" class=\"flame\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
	    "data-width=\"%u\" data-pad=\"%d\" data-cw=\"%.2f\" data-total=\"%llu\">\n",
	    width, height, width, height, width, PAD, CHAR_W, (unsigned long long)(total ? total : 1));
	buf_addf(out, "<style>#%s text{font-family:Verdana,sans-serif;font-size:%dpx;fill:#000}"
	    "#%s g.f{cursor:pointer}#%s g.f:hover rect{stroke:#000;stroke-width:0.5}"
	    "#%s .hide{display:none}#%s .anc rect{opacity:0.5}#%s .match rect{fill:rgb(230,0,230)}"
	    "#%s .btn{cursor:pointer;fill:#1a5fb4}#%s .title{font-size:17px}</style>\n",
	    id, FONT, id, id, id, id, id, id, id);
	buf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#f8f8f0\"/>\n",
	    width, height);
	buf_addf(out, "<text class=\"title\" x=\"%u\" y=\"24\" text-anchor=\"middle\">", width / 2);
	flame_escape(out, o->title ? o->title : "Flame graph",
	    strlen(o->title ? o->title : "Flame graph"));
	buf_addstr(out, "</text>\n");
	if (o->subtitle != NULL) {
		buf_addf(out, "<text x=\"%u\" y=\"42\" text-anchor=\"middle\">", width / 2);
		flame_escape(out, o->subtitle, strlen(o->subtitle));
		buf_addstr(out, "</text>\n");
	}
	buf_addf(out, "<text class=\"btn reset hide\" x=\"%d\" y=\"24\">Reset zoom</text>\n", PAD);
	buf_addf(out, "<text class=\"btn search\" x=\"%u\" y=\"24\" text-anchor=\"end\">Search</text>\n",
	    width - PAD);
	buf_addf(out, "<text class=\"matched\" x=\"%u\" y=\"%u\" text-anchor=\"end\"> </text>\n",
	    width - PAD, height - 10);
	buf_addf(out, "<text class=\"details\" x=\"%d\" y=\"%u\"> </text>\n", PAD, height - 10);
	if (total == 0)
		buf_addf(out, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">No samples</text>\n",
		    width / 2, TOP + FRAME_H);

	/* Depth first from the root, each frame at the x where its parent's
	 * samples so far end. */
	util_grow((void **)&stack, &cap, t.maxdepth + 2, sizeof(*stack));
	util_grow((void **)&xs, &capx, t.maxdepth + 2, sizeof(*xs));
	if (total > 0) {
		stack[sp] = 1;
		xs[sp++] = 0;
	}
	while (sp > 0) {
		size_t k = stack[--sp];
		uint64_t x = xs[sp];
		const struct node *n = &t.v[k - 1];
		double px = PAD + (double)x * scale, pw = (double)n->count * scale;
		unsigned y = height - BOTTOM - (n->depth + 1) * FRAME_H;
		uint64_t cx = x;
		size_t c, nc = 0;

		if (pw < FLAME_MIN_WIDTH)
			continue;
		buf_addf(out, "<g class=\"f\" data-x=\"%llu\" data-w=\"%llu\" data-d=\"%u\" data-n=\"",
		    (unsigned long long)x, (unsigned long long)n->count, n->depth);
		flame_escape(out, n->name, n->len);
		buf_addstr(out, "\"><title>");
		flame_escape(out, n->name, n->len);
		buf_addf(out, " (%llu sample%s, %.2f%%)</title>", (unsigned long long)n->count,
		    n->count == 1 ? "" : "s", 100.0 * (double)n->count / (double)total);
		colour(col, sizeof(col), n->name, n->len);
		buf_addf(out, "<rect x=\"%.2f\" y=\"%u\" width=\"%.2f\" height=\"%d\" rx=\"2\" "
		    "fill=\"%s\"/><text x=\"%.2f\" y=\"%u\">", px, y, pw, FRAME_H - 1,
		    k == 1 ? "rgb(230,150,120)" : col, px + 3, y + FRAME_H - 4);
		box_text(out, n->name, n->len, pw);
		buf_addstr(out, "</text></g>\n");
		/* Children pushed in reverse so they come out in name order. */
		for (c = n->first; c != 0; c = t.v[c - 1].next)
			nc++;
		if (sp + nc > cap) {
			util_grow((void **)&stack, &cap, sp + nc, sizeof(*stack));
			util_grow((void **)&xs, &capx, sp + nc, sizeof(*xs));
		}
		sp += nc;
		for (c = n->first, i = 0; c != 0; c = t.v[c - 1].next, i++) {
			stack[sp - 1 - i] = c;
			xs[sp - 1 - i] = cx;
			cx += t.v[c - 1].count;
		}
	}
	buf_addstr(out, "<script");
	if (o->nonce != NULL) {
		buf_addstr(out, " nonce=\"");
		flame_escape(out, o->nonce, strlen(o->nonce));
		buf_addch(out, '"');
	}
	/* CDATA: the script holds '<' and '&', and an SVG file is XML. */
	buf_addstr(out, "><![CDATA[\n");
	buf_addstr(out, script);
	buf_addstr(out, "]]></script>\n</svg>\n");
	free(stack);
	free(xs);
	free(t.v);
}
