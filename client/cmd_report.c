/*
 * cmd_report.c - ivtctl report PROJECT [--csv | --html FILE]: the final
 * report (eindrapportage) as text, JSON, CSV or one self-contained HTML
 * file with tables and bar charts (no external assets) for the RPF/LSI.
 *
 * The daemon sends aggregates only, small counts already suppressed
 * (null); this file only lays them out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ivtctl.h"

/* A count cell: the number, or "<5" where the daemon suppressed it. */
static void
count_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.1f%%", json_real_value(v) * 100.0);
	else
		snprintf(buf, len, "<5");
}

/* A rate: a percentage, or "-" where it is suppressed or unknown. */
static void
rate_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_number(v))
		snprintf(buf, len, "%.1f%%", json_number_value(v) * 100.0);
	else
		snprintf(buf, len, "-");
}

/* Indicator codes: code, selected, visited, hits, hit rate as text. */
struct ind_row {
	char sel[32], vis[32], hit[32], rate[32];
};

static void
ind_row(const json_t *v, struct ind_row *r)
{
	count_text(json_object_get(v, "selected"), r->sel, sizeof(r->sel));
	count_text(json_object_get(v, "visited"), r->vis, sizeof(r->vis));
	count_text(json_object_get(v, "hits"), r->hit, sizeof(r->hit));
	rate_text(json_object_get(v, "hit_rate"), r->rate, sizeof(r->rate));
}

static void
num_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_number(v))
		snprintf(buf, len, "%g", json_number_value(v));
	else
		snprintf(buf, len, "-");
}

/* --- text -------------------------------------------------------------- */

static void
text_counts(const char *title, const json_t *obj)
{
	const char *k;
	json_t *v;
	char buf[32];

	printf("\n%s\n", title);
	json_object_foreach((json_t *)obj, k, v) {
		count_text(v, buf, sizeof(buf));
		printf("  %-28s %8s\n", k, buf);
	}
}

static int
print_text(const json_t *r)
{
	const json_t *p = json_object_get(r, "project"), *e;
	char a[32], b[32], c[32], d[32];
	struct ind_row ir;
	const char *k;
	json_t *v;
	size_t i;

	printf("Eindrapportage: ");
	out_safe(stdout, out_str(p, "name"));
	printf(" (%s)\nphase %s, deadline %s", out_str(p, "gemeente"),
	       out_str(p, "phase"), out_str(p, "deadline"));
	if (out_str(p, "report_due"))
		printf(", report due %s", out_str(p, "report_due"));
	putchar('\n');
	text_counts("Subjects per status",
	            json_object_get(json_object_get(r, "subjects"),
	                            "by_status"));
	text_counts("Findings per category",
	            json_object_get(json_object_get(r, "findings"),
	                            "by_category"));
	text_counts("Findings per partner",
	            json_object_get(json_object_get(r, "findings"),
	                            "by_partner"));
	count_text(json_object_get(r, "visited"), a, sizeof(a));
	count_text(json_object_get(r, "hits"), b, sizeof(b));
	rate_text(json_object_get(r, "hit_rate"), c, sizeof(c));
	printf("\nVisited %s, with findings %s, hit rate %s\n", a, b, c);
	e = json_object_get(r, "followups");
	count_text(json_object_get(e, "total"), a, sizeof(a));
	count_text(json_object_get(e, "done"), b, sizeof(b));
	rate_text(json_object_get(e, "completion"), c, sizeof(c));
	printf("Follow-ups %s, done %s (%s)\n", a, b, c);
	printf("\nIndicators          selected  visited  hits  hit rate\n");
	json_object_foreach((json_t *)json_object_get(r, "indicators"), k, v)
	{
		ind_row(v, &ir);
		printf("  %-18s %8s %8s %5s %9s\n", k, ir.sel, ir.vis, ir.hit,
		       ir.rate);
	}
	e = json_object_get(r, "days");
	printf("Actiedagen used %lld of %lld planned\n",
	       (long long)json_integer_value(json_object_get(e, "used")),
	       (long long)json_integer_value(json_object_get(e, "planned")));
	printf("\nEffect (0-meting -> 1-meting)\n");
	json_array_foreach(json_object_get(r, "effect"), i, e) {
		num_text(json_object_get(e, "zero"), a, sizeof(a));
		num_text(json_object_get(e, "one"), b, sizeof(b));
		num_text(json_object_get(e, "change"), c, sizeof(c));
		num_text(json_object_get(e, "change_pct"), d, sizeof(d));
		printf("  %-28s %8s -> %8s  change %s (%s%%)\n",
		       out_str(e, "indicator"), a, b, c, d);
	}
	printf("\nCounts from 1 to 4 are shown as <5, and rates of them as -; "
	       "statuses and\ncategories of fewer than 5 are added up under "
	       "kleine_aantallen (with the\nsmallest other one if needed).\n");
	return out_finish();
}

/* --- CSV: section,key,value -------------------------------------------- */

static void
csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void
csv_row(FILE *f, const char *section, const char *key, const json_t *v)
{
	char buf[32];

	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld",
		         (long long)json_integer_value(v));
	else if (json_is_number(v))
		snprintf(buf, sizeof(buf), "%g", json_number_value(v));
	else
		snprintf(buf, sizeof(buf), "<5");
	csv_field(f, section);
	fputc(',', f);
	csv_field(f, key);
	fputc(',', f);
	csv_field(f, buf);
	fputs("\r\n", f);
}

static void
csv_counts(const char *section, const json_t *obj)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v) csv_row(stdout, section, k, v);
}

/* Rows "section","prefix.key","value" for each member of obj. */
static void
csv_counts_prefixed(const char *section, const char *prefix, const json_t *obj)
{
	const char *k;
	json_t *v;
	char key[160];

	json_object_foreach((json_t *)obj, k, v)
	{
		snprintf(key, sizeof(key), "%s.%s", prefix, k);
		csv_row(stdout, section, key, v);
	}
}

static int
print_csv(const json_t *r)
{
	const json_t *e, *sub = json_object_get(r, "subjects"),
	                 *fin = json_object_get(r, "findings");
	const char *k;
	json_t *v;
	size_t i;
	char key[96];

	fputs("\"section\",\"key\",\"value\"\r\n", stdout);
	csv_counts("subjects", json_object_get(sub, "by_status"));
	csv_counts("category", json_object_get(fin, "by_category"));
	csv_counts("partner", json_object_get(fin, "by_partner"));
	csv_row(stdout, "visits", "visited", json_object_get(r, "visited"));
	csv_row(stdout, "visits", "hits", json_object_get(r, "hits"));
	csv_row(stdout, "visits", "hit_rate", json_object_get(r, "hit_rate"));
	e = json_object_get(r, "followups");
	csv_counts("followups", e);
	csv_counts("days", json_object_get(r, "days"));
	json_object_foreach((json_t *)json_object_get(r, "indicators"), k, v)
	    csv_counts_prefixed("indicator", k, v);
	json_array_foreach(json_object_get(r, "effect"), i, e) {
		snprintf(key, sizeof(key), "%s.zero", out_str(e, "indicator"));
		csv_row(stdout, "effect", key, json_object_get(e, "zero"));
		snprintf(key, sizeof(key), "%s.one", out_str(e, "indicator"));
		csv_row(stdout, "effect", key, json_object_get(e, "one"));
		snprintf(key, sizeof(key), "%s.change",
		         out_str(e, "indicator"));
		csv_row(stdout, "effect", key, json_object_get(e, "change"));
	}
	return out_finish();
}

/* --- HTML -------------------------------------------------------------- */

static void
html_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A table with a horizontal bar per row, scaled to the largest count. */
static void
html_bars(FILE *f, const char *title, const json_t *obj)
{
	const char *k;
	json_t *v;
	long long max = 1, n;
	char buf[32];

	json_object_foreach((json_t *)obj, k, v) {
		if (json_is_integer(v) && json_integer_value(v) > max)
			max = json_integer_value(v);
	}
	fprintf(f, "<h2>");
	html_text(f, title);
	fprintf(f, "</h2>\n<table>\n");
	json_object_foreach((json_t *)obj, k, v) {
		n = json_is_integer(v) ? json_integer_value(v) : 0;
		count_text(v, buf, sizeof(buf));
		fprintf(f, "<tr><th>");
		html_text(f, k);
		fprintf(f, "</th><td class=n>%s</td><td class=bar><svg "
		           "width=\"300\" height=\"14\" role=\"img\"><rect "
		           "width=\"%lld\" height=\"14\"/></svg></td></tr>\n",
		        buf, n * 300 / max);
	}
	fprintf(f, "</table>\n");
}

static const char *
deadline_nl(const char *d)
{
	if (d != NULL && strcmp(d, "on_time") == 0)
		return "op tijd";
	if (d != NULL && strcmp(d, "overdue") == 0)
		return "te laat";
	return "nog niet verschuldigd";
}

static int
write_html(FILE *f, const json_t *r)
{
	const json_t *p = json_object_get(r, "project"), *e;
	char a[32], b[32], c[32], d[32];
	struct ind_row ir;
	const char *k;
	json_t *v;
	size_t i;

	fputs("<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\">"
	      "<title>Eindrapportage</title>\n<style>"
	      "body{font-family:sans-serif;max-width:50em;margin:2em auto;"
	      "color:#222}table{border-collapse:collapse;margin-bottom:1em}"
	      "th,td{padding:.2em .6em;text-align:left;border-bottom:1px "
	      "solid #ddd}td.n{text-align:right}rect{fill:#2b6cb0}"
	      ".note{color:#666;font-size:.9em}</style></head><body>\n",
	      f);
	fprintf(f, "<h1>Eindrapportage ");
	html_text(f, out_str(p, "name"));
	fprintf(f, "</h1>\n<p>Gemeente ");
	html_text(f, out_str(p, "gemeente"));
	fprintf(f, ", fase %s, eindrapportage %s", out_str(p, "phase"),
	        deadline_nl(out_str(p, "deadline")));
	if (out_str(p, "report_due"))
		fprintf(f, " (uiterlijk %s)", out_str(p, "report_due"));
	fputs("</p>\n", f);
	html_bars(f, "Subjecten per status",
	          json_object_get(json_object_get(r, "subjects"), "by_status"));
	html_bars(f, "Bevindingen per categorie",
	          json_object_get(json_object_get(r, "findings"),
	                          "by_category"));
	html_bars(f, "Bevindingen per partner",
	          json_object_get(json_object_get(r, "findings"),
	                          "by_partner"));
	count_text(json_object_get(r, "visited"), a, sizeof(a));
	count_text(json_object_get(r, "hits"), b, sizeof(b));
	rate_text(json_object_get(r, "hit_rate"), c, sizeof(c));
	fprintf(f, "<h2>Controles</h2>\n<table><tr><th>Gecontroleerd</th>"
	           "<td class=n>%s</td></tr><tr><th>Met bevinding</th>"
	           "<td class=n>%s</td></tr><tr><th>Hit rate</th><td "
	           "class=n>%s</td></tr>",
	        a, b, c);
	e = json_object_get(r, "followups");
	count_text(json_object_get(e, "total"), a, sizeof(a));
	rate_text(json_object_get(e, "completion"), b, sizeof(b));
	fprintf(f, "<tr><th>Opvolgingen</th><td class=n>%s</td></tr><tr><th>"
	           "Afgerond</th><td class=n>%s</td></tr>",
	        a, b);
	e = json_object_get(r, "days");
	fprintf(f, "<tr><th>Actiedagen</th><td class=n>%lld / %lld</td></tr>"
	           "</table>\n",
	        (long long)json_integer_value(json_object_get(e, "used")),
	        (long long)json_integer_value(json_object_get(e, "planned")));
	fputs("<h2>Indicatoren van de selectie</h2>\n<table><tr><th>Code"
	      "</th><th>Geselecteerd</th><th>Gecontroleerd</th><th>Met "
	      "bevinding</th><th>Hit rate</th></tr>\n",
	      f);
	json_object_foreach((json_t *)json_object_get(r, "indicators"), k, v)
	{
		ind_row(v, &ir);
		fputs("<tr><th>", f);
		html_text(f, k);
		fprintf(f,
		        "</th><td class=n>%s</td><td class=n>%s</td><td "
		        "class=n>%s</td><td class=n>%s</td></tr>\n",
		        ir.sel, ir.vis, ir.hit, ir.rate);
	}
	fputs("</table>\n", f);
	fputs("<h2>Effectmeting</h2>\n<table><tr><th>Indicator</th><th>"
	      "0-meting</th><th>1-meting</th><th>Verschil</th><th>%</th>"
	      "<th>Bron</th></tr>\n",
	      f);
	json_array_foreach(json_object_get(r, "effect"), i, e) {
		num_text(json_object_get(e, "zero"), a, sizeof(a));
		num_text(json_object_get(e, "one"), b, sizeof(b));
		num_text(json_object_get(e, "change"), c, sizeof(c));
		num_text(json_object_get(e, "change_pct"), d, sizeof(d));
		fputs("<tr><th>", f);
		html_text(f, out_str(e, "indicator"));
		fprintf(f, "</th><td class=n>%s</td><td class=n>%s</td><td "
		           "class=n>%s</td><td class=n>%s</td><td>",
		        a, b, c, d);
		html_text(f, out_str(e, "source"));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<p class=note>Alleen geaggregeerde aantallen; "
	      "aantallen van 1 tot 4 zijn weergegeven als &lt;5. Dit rapport "
	      "bevat geen persoonsgegevens.</p>\n</body></html>\n",
	      f);
	return ferror(f) ? -1 : 0;
}

static int
print_html(const json_t *r, const char *path)
{
	FILE *f;
	int rc;

	if ((f = fopen(path, "wx")) == NULL) {
		out_err("cannot create %s (it must not exist yet)", path);
		return IVTCTL_EXIT_FAIL;
	}
	rc = write_html(f, r);
	if (fclose(f) != 0 || rc != 0) {
		out_err("cannot write %s", path);
		return IVTCTL_EXIT_FAIL;
	}
	printf("report written to %s\n", path);
	return out_finish();
}

int
cmd_report(struct ivtctl *ctx, int argc, char **argv)
{
	struct opt opts[] = {
	    {"csv", 0, NULL}, {"html", 1, NULL}, {NULL, 0, NULL}};
	const json_t *r;
	json_t *res;
	struct args a;
	long long id;
	int rc;

	if (args_id(ctx, argc, argv, opts, 1, 1, &a, &id) == -1)
		return a.status;
	if (opts[0].value != NULL && opts[1].value != NULL)
		return usage_error(ctx, "choose --csv or --html");
	rc = ivtctl_call(ctx, "nl.ivtd.Finding.Report",
	                 json_pack("{s:I}", "project", (json_int_t)id), &res);
	if (rc != 0)
		return rc;
	if (ctx->json)
		rc = out_json(res);
	else if ((r = reply_get(ctx, res, "report", JSON_OBJECT)) == NULL)
		rc = IVTCTL_EXIT_CONN;
	else if (opts[0].value != NULL)
		rc = print_csv(r);
	else if (opts[1].value != NULL)
		rc = print_html(r, opts[1].value);
	else
		rc = print_text(r);
	json_decref(res);
	return rc;
}
