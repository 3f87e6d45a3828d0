/// The pages' Mustache templates, compiled into the binary (a copied `prenv` needs no resource
/// files). Every value is written with `{{name}}`, which escapes `< > & " '`; no template uses
/// `{{{…}}}` or `{{&…}}` (a test holds them to that), so a value can never become markup, in text,
/// in an attribute or in the SVG. Links come only from fields `DisplayText.href` or
/// `EnvironmentPath` produced. No script anywhere: the page refreshes with `<meta http-equiv>`.
enum Templates {
    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        {{#refresh}}<meta http-equiv="refresh" content="5">{{/refresh}}
        <title>{{title}}</title>
        <style>
        :root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2430;background:#f6f8fa}
        body{margin:0 auto;padding:0 1rem 2rem;max-width:1280px}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;border-bottom:1px solid #d8dde3;padding:.75rem 0}
        header a{font-weight:700;color:#1d2430;text-decoration:none}
        header small,footer{color:#5a6270;font-size:.8rem}
        footer{margin-top:2rem}
        h1{font-size:1.3rem;margin:1rem 0 .25rem;overflow-wrap:anywhere}
        h2{font-size:1.05rem;margin:1.75rem 0 .5rem}
        a{color:#0b5cad}
        table{border-collapse:collapse;width:100%;font-size:.9rem;background:#fff}
        th,td{text-align:left;padding:.45rem .55rem;border-bottom:1px solid #e3e7eb;vertical-align:top;overflow-wrap:break-word}
        th{font-weight:600;color:#4a5361;background:#eef1f4;white-space:nowrap}
        td.wrap{overflow-wrap:anywhere}
        td.nowrap{white-space:nowrap}
        code,pre,.mono{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:.85rem}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
        pre.error{background:#fff4f4;border:1px solid #c62828;padding:.75rem;border-radius:4px}
        .badge{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;font-size:.8rem;border:1px solid;white-space:nowrap}
        .badge.done{background:#d7f0dc;border-color:#1e7b34;color:#14521f}
        .badge.running{background:#ffe9b3;border-color:#b26a00;color:#6b4000}
        .badge.failed{background:#f8d0d0;border-color:#c62828;color:#8e1414}
        .badge.gone{background:#e4e4e4;border-color:#7a7a7a;color:#444}
        .badge.idle{background:#fff;border-color:#5a6270;color:#333}
        tr.failed td{background:#fff0f0}
        .note{color:#8e1414;font-size:.8rem;margin-left:.4rem}
        .alert{background:#fff4d6;border:1px solid #b26a00;padding:.5rem .75rem;border-radius:4px;margin:.75rem 0}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:.75rem 0}
        dl.facts dt{color:#4a5361;font-weight:600}
        dl.facts dd{margin:0;overflow-wrap:anywhere}
        .graph{overflow-x:auto;background:#fff;border:1px solid #e3e7eb;border-radius:4px}
        .graph svg{display:block}
        .empty{color:#5a6270}
        @media (max-width:760px){
        table.cards thead{display:none}
        table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}
        table.cards tr{border:1px solid #d8dde3;border-radius:6px;margin:.6rem 0;background:#fff}
        table.cards td{display:flex;flex-wrap:wrap;align-items:flex-start;gap:.3rem .6rem;border:0;padding:.25rem .6rem}
        table.cards td::before{content:attr(data-label);font:600 .9rem system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#4a5361;min-width:6.5rem;flex:none}
        table.cards td pre{flex-basis:100%}
        dl.facts{grid-template-columns:1fr}
        }
        </style>
        </head>
        <body>
        <header><a href="/">prenv</a><small>environments per pull request</small></header>
        """

    static let foot = """
        <footer>Rendered {{generatedAt}}.{{#refresh}} Refreshes every 5 s while something is in progress.{{/refresh}}</footer>
        </body>
        </html>
        """

    static let list = """
        {{>head}}
        <main>
        <h1>Environments</h1>
        <p>{{summary}}</p>
        {{#alerts}}<p class="alert">{{.}}</p>{{/alerts}}
        {{#hasEnvironments}}
        <table class="cards" id="environments">
        <thead><tr><th>Repository</th><th>PR</th><th>Blueprint</th><th>State</th><th>Branch</th><th>Updated</th><th>Head</th><th>Preview</th><th>Expires</th></tr></thead>
        <tbody>
        {{#rows}}
        <tr class="environment {{style}}" data-state="{{state}}">
        <td data-label="Repository">{{#hasPage}}<a href="{{pagePath}}">{{repository}}</a>{{/hasPage}}{{^hasPage}}{{repository}}{{/hasPage}}</td>
        <td data-label="PR" class="nowrap">{{#hasPullRequestURL}}<a href="{{pullRequestURL}}" rel="noopener noreferrer">{{pr}}</a>{{/hasPullRequestURL}}{{^hasPullRequestURL}}{{pr}}{{/hasPullRequestURL}}</td>
        <td data-label="Blueprint">{{#hasPage}}<a href="{{pagePath}}">{{blueprint}}</a>{{/hasPage}}{{^hasPage}}{{blueprint}}{{/hasPage}}</td>
        <td data-label="State"><span class="badge {{style}}">{{state}}</span>{{#notes}}<span class="note">{{.}}</span>{{/notes}}</td>
        <td data-label="Branch" class="mono wrap">{{branch}}</td>
        <td data-label="Updated" class="nowrap"><span title="{{updatedAt}}">{{age}}</span></td>
        <td data-label="Head" class="mono nowrap">{{sha}}</td>
        <td data-label="Preview">{{#hasPreview}}<a href="{{previewURL}}" rel="noopener noreferrer">open</a>{{/hasPreview}}{{^hasPreview}}—{{/hasPreview}}</td>
        <td data-label="Expires">{{expiry}}</td>
        </tr>
        {{/rows}}
        </tbody>
        </table>
        {{/hasEnvironments}}
        {{^hasEnvironments}}<p class="empty">No environments yet: prenv creates one when a pull request a blueprint selects opens.</p>{{/hasEnvironments}}
        </main>
        {{>foot}}
        """

    static let environment = """
        {{>head}}
        <main>
        <p><a href="/">← all environments</a></p>
        <h1>{{repository}} {{#hasPullRequestURL}}<a href="{{pullRequestURL}}" rel="noopener noreferrer">{{pr}}</a>{{/hasPullRequestURL}}{{^hasPullRequestURL}}{{pr}}{{/hasPullRequestURL}} · {{blueprint}}</h1>
        <p><span class="badge {{style}}" id="state" data-state="{{state}}">{{state}}</span> {{summary}}{{#notes}}<span class="note">{{.}}</span>{{/notes}}</p>
        <dl class="facts">
        <dt>Branch</dt><dd class="mono" id="branch">{{branch}}</dd>
        <dt>Head</dt><dd class="mono">{{sha}}</dd>
        <dt>Environment</dt><dd class="mono">{{envName}}</dd>
        <dt>Preview</dt><dd>{{#hasPreview}}<a href="{{previewURL}}" rel="noopener noreferrer">{{previewURL}}</a>{{/hasPreview}}{{^hasPreview}}—{{/hasPreview}}</dd>
        <dt>Updated</dt><dd>{{updated}}</dd>
        <dt>Expires</dt><dd>{{expiry}}</dd>
        </dl>
        {{#hasLastError}}
        <h2>Last error</h2>
        <pre class="error" id="last-error">{{lastError}}</pre>
        {{/hasLastError}}
        <h2>Resources</h2>
        {{#hasGraph}}
        <div class="graph">
        <svg id="graph" xmlns="http://www.w3.org/2000/svg" width="{{graphWidth}}" height="{{graphHeight}}" viewBox="0 0 {{graphWidth}} {{graphHeight}}" role="img" aria-label="resource graph">
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" fill="#5a6270"/></marker></defs>
        {{#graphEdges}}<path class="edge" data-from="{{from}}" data-to="{{to}}" d="{{path}}" fill="none" stroke="#5a6270" stroke-width="1.5" marker-end="url(#arrow)"/>
        {{/graphEdges}}
        {{#graphNodes}}<g class="node {{style}}" data-node="{{id}}" data-state="{{state}}"><title>{{tooltip}}</title><rect x="{{x}}" y="{{y}}" width="200" height="58" rx="6" fill="{{fill}}" stroke="{{stroke}}" stroke-width="2"/><text x="{{textX}}" y="{{labelY}}" font-size="14" font-weight="600" fill="#1d2430">{{label}}</text><text x="{{textX}}" y="{{captionY}}" font-size="12" fill="#4a5361">{{caption}}</text></g>
        {{/graphNodes}}
        </svg>
        </div>
        {{/hasGraph}}
        <table class="cards" id="resources">
        <thead><tr><th>Resource</th><th>Type</th><th>Name</th><th>State</th></tr></thead>
        <tbody>
        {{#resources}}
        <tr class="resource {{style}}" data-resource="{{id}}">
        <td data-label="Resource">{{id}}</td>
        <td data-label="Type" class="mono nowrap">{{type}}</td>
        <td data-label="Name" class="mono wrap">{{#hasConsoleURL}}<a href="{{consoleURL}}" rel="noopener noreferrer">{{physicalName}}</a>{{/hasConsoleURL}}{{^hasConsoleURL}}{{physicalName}}{{/hasConsoleURL}}</td>
        <td data-label="State" class="wrap"><span class="badge {{style}}">{{state}}</span>{{#hasError}}<pre class="error">{{error}}</pre>{{/hasError}}</td>
        </tr>
        {{/resources}}
        </tbody>
        </table>
        <h2>Pipeline stages</h2>
        {{#hasStages}}
        <table class="cards" id="stages">
        <thead><tr><th>Pipeline</th><th>Stage</th><th>State</th><th>Duration</th><th>Started</th></tr></thead>
        <tbody>
        {{#stages}}
        <tr class="stage {{style}}" data-stage="{{name}}" data-state="{{state}}">
        <td data-label="Pipeline">{{resource}}</td>
        <td data-label="Stage">{{name}}</td>
        <td data-label="State"><span class="badge {{style}}">{{state}}</span>{{#hasSummary}} <span class="reason">{{summary}}</span>{{/hasSummary}}</td>
        <td data-label="Duration" class="nowrap">{{duration}}</td>
        <td data-label="Started" class="nowrap">{{startedAt}}</td>
        </tr>
        {{/stages}}
        </tbody>
        </table>
        {{/hasStages}}
        {{^hasStages}}<p class="empty">No pipeline stage seen since this server started.</p>{{/hasStages}}
        <h2>Recent events</h2>
        {{#hasEvents}}
        <table class="cards" id="events">
        <thead><tr><th>Time (UTC)</th><th>Kind</th><th>What</th></tr></thead>
        <tbody>
        {{#events}}
        <tr class="event"><td data-label="Time" class="mono nowrap">{{time}}</td><td data-label="Kind">{{kind}}</td><td data-label="What" class="wrap">{{text}}</td></tr>
        {{/events}}
        </tbody>
        </table>
        {{/hasEvents}}
        {{^hasEvents}}<p class="empty">No events since this server started.</p>{{/hasEvents}}
        </main>
        {{>foot}}
        """
}
