package org.sparkresnet.jobs.metrics;

/** The look shared by the HTML reports: one self-contained page, no external assets. */
public final class Html {
    private static final String STYLE = "body{font-family:sans-serif;margin:2em;max-width:1400px}"
            + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
            + "th{background:#f4f4f4;text-align:left}img{margin-right:1em}table.settings td{text-align:left}";

    private Html() {
    }

    public static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n<style>"
                + STYLE + "</style></head><body>\n" + body + "\n</body></html>\n";
    }

    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
