//! Message markdown, as Discord reads it: bold, italics, underline (`__x__`), strikethrough,
//! inline code, fenced code blocks, block quotes, spoilers (`||x||`), lists, headings `#` to
//! `###`, and links (bare URLs, `<url>` and `[text](url)`) to http, https and mailto only.
//!
//! Parsing (pulldown-cmark) and rendering are apart: [`parse`] turns content into a small tree
//! that can only say what this module allows, and `view` turns the tree into Leptos views. Raw
//! HTML in the content stays text, and nothing here ever goes through `inner_html`.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// Level 1 to 3.
    Heading(u8, Vec<Inline>),
    Code {
        language: Option<String>,
        code: String,
    },
    Quote(Vec<Block>),
    List {
        /// The first number of an ordered list.
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Underline(Vec<Inline>),
    Strike(Vec<Inline>),
    Code(String),
    Spoiler(Vec<Inline>),
    /// Always http, https or mailto.
    Link {
        href: String,
        children: Vec<Inline>,
    },
    /// `@name` as written, shown as a mention when the server resolved it.
    Mention(String),
    LineBreak,
}

/// Whether a link target may be followed: http, https and mailto only.
pub fn safe_href(url: &str) -> bool {
    if url
        .trim()
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
    {
        return false;
    }
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://"))
        && lower.len() > "https://".len()
        || lower.starts_with("mailto:") && lower.len() > "mailto:".len()
}

/// The host a link goes to, shown on hover.
pub fn host_of(href: &str) -> String {
    if let Some(address) = href.strip_prefix("mailto:") {
        return address.to_owned();
    }
    let rest = href.split_once("://").map_or(href, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
        .to_owned()
}

/// What is being built: a block container or an inline one, with what it will become.
enum Frame {
    Root(Vec<Block>),
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    /// A heading deeper than `###` shows as the text it was written as.
    PlainHeading(String, Vec<Inline>),
    Code(Option<String>, String),
    /// Raw HTML written as a block: shown as the text it is.
    Html(String),
    Quote(Vec<Block>),
    List(Option<u64>, Vec<Vec<Block>>),
    Item(Vec<Block>, Vec<Inline>),
    Inline(InlineKind, Vec<Inline>),
    Link(String, Vec<Inline>),
    /// A link we do not follow: its text stays, unlinked.
    Unlinked(Vec<Inline>),
}

#[derive(Clone, Copy)]
enum InlineKind {
    Strong,
    Emphasis,
    Underline,
    Strike,
}

struct Builder {
    stack: Vec<Frame>,
}

impl Builder {
    fn push_inline(&mut self, inline: Inline) {
        match self.stack.last_mut() {
            Some(
                Frame::Paragraph(children)
                | Frame::Heading(_, children)
                | Frame::PlainHeading(_, children)
                | Frame::Inline(_, children)
                | Frame::Link(_, children)
                | Frame::Unlinked(children)
                | Frame::Item(_, children),
            ) => children.push(inline),
            Some(Frame::Code(_, code) | Frame::Html(code)) => {
                if let Inline::Text(text) = inline {
                    code.push_str(&text);
                }
            }
            // Inline content straight in a block container (a tight list's item is handled
            // above): wrap it in a paragraph.
            _ => self.push_block(Block::Paragraph(vec![inline])),
        }
    }

    fn push_block(&mut self, block: Block) {
        match self.stack.last_mut() {
            Some(Frame::Root(blocks) | Frame::Quote(blocks)) => blocks.push(block),
            Some(Frame::Item(blocks, loose)) => {
                flush_item_text(blocks, loose);
                blocks.push(block);
            }
            _ => {}
        }
    }

    fn push_inlines(&mut self, inlines: Vec<Inline>) {
        for inline in inlines {
            self.push_inline(inline);
        }
    }
}

/// A tight list item's text becomes its first paragraph once something else follows it.
fn flush_item_text(blocks: &mut Vec<Block>, text: &mut Vec<Inline>) {
    if !text.is_empty() {
        blocks.push(Block::Paragraph(finish_inlines(std::mem::take(text))));
    }
}

/// Parses message content into blocks.
pub fn parse(content: &str) -> Vec<Block> {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut builder = Builder {
        stack: vec![Frame::Root(Vec::new())],
    };
    // Discord keeps single line breaks; CommonMark joins them. Each line break is kept.
    for (event, range) in Parser::new_ext(content, options).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                let frame = match tag {
                    Tag::Paragraph => Frame::Paragraph(Vec::new()),
                    Tag::Heading { level, .. } => match level {
                        HeadingLevel::H1 => Frame::Heading(1, Vec::new()),
                        HeadingLevel::H2 => Frame::Heading(2, Vec::new()),
                        HeadingLevel::H3 => Frame::Heading(3, Vec::new()),
                        _ => Frame::PlainHeading(
                            content[range.clone()]
                                .split_whitespace()
                                .next()
                                .unwrap_or("")
                                .to_owned(),
                            Vec::new(),
                        ),
                    },
                    Tag::CodeBlock(kind) => Frame::Code(
                        match kind {
                            CodeBlockKind::Fenced(info) => info
                                .split_whitespace()
                                .next()
                                .filter(|l| !l.is_empty())
                                .map(str::to_owned),
                            CodeBlockKind::Indented => None,
                        },
                        String::new(),
                    ),
                    Tag::BlockQuote(_) => Frame::Quote(Vec::new()),
                    Tag::HtmlBlock => Frame::Html(String::new()),
                    Tag::List(start) => Frame::List(start, Vec::new()),
                    Tag::Item => Frame::Item(Vec::new(), Vec::new()),
                    Tag::Strong => {
                        // `__x__` is underline, as on Discord; `**x**` stays bold.
                        if content[range.clone()].starts_with("__") {
                            Frame::Inline(InlineKind::Underline, Vec::new())
                        } else {
                            Frame::Inline(InlineKind::Strong, Vec::new())
                        }
                    }
                    Tag::Emphasis => Frame::Inline(InlineKind::Emphasis, Vec::new()),
                    Tag::Strikethrough => Frame::Inline(InlineKind::Strike, Vec::new()),
                    Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                        if safe_href(&dest_url) {
                            Frame::Link(dest_url.trim().to_owned(), Vec::new())
                        } else {
                            Frame::Unlinked(Vec::new())
                        }
                    }
                    // Anything else (raw HTML blocks, tables, footnotes...) is not enabled or
                    // shows as text; its contents land in the enclosing container.
                    _ => continue,
                };
                builder.stack.push(frame);
            }
            Event::End(end) => {
                if matches!(
                    end,
                    TagEnd::Table
                        | TagEnd::TableHead
                        | TagEnd::TableRow
                        | TagEnd::TableCell
                        | TagEnd::FootnoteDefinition
                        | TagEnd::MetadataBlock(_)
                        | TagEnd::DefinitionList
                        | TagEnd::DefinitionListTitle
                        | TagEnd::DefinitionListDefinition
                        | TagEnd::Superscript
                        | TagEnd::Subscript
                ) {
                    continue;
                }
                let Some(frame) = builder.stack.pop() else {
                    continue;
                };
                match frame {
                    Frame::Paragraph(children) => {
                        let children = finish_inlines(children);
                        if let Some(Frame::Item(_, text)) = builder.stack.last_mut() {
                            // A loose item's paragraph.
                            text.extend(children);
                            if let Some(Frame::Item(blocks, text)) = builder.stack.last_mut() {
                                flush_item_text(blocks, text);
                            }
                        } else {
                            builder.push_block(Block::Paragraph(children));
                        }
                    }
                    Frame::Heading(level, children) => {
                        builder.push_block(Block::Heading(level, finish_inlines(children)));
                    }
                    Frame::PlainHeading(marks, mut children) => {
                        children.insert(0, Inline::Text(format!("{marks} ")));
                        builder.push_block(Block::Paragraph(finish_inlines(children)));
                    }
                    Frame::Code(language, code) => builder.push_block(Block::Code {
                        language,
                        code: code.strip_suffix('\n').unwrap_or(&code).to_owned(),
                    }),
                    Frame::Html(html) => builder.push_block(Block::Paragraph(vec![Inline::Text(
                        html.trim_end_matches('\n').to_owned(),
                    )])),
                    Frame::Quote(blocks) => builder.push_block(Block::Quote(blocks)),
                    Frame::List(start, items) => builder.push_block(Block::List { start, items }),
                    Frame::Item(mut blocks, mut text) => {
                        flush_item_text(&mut blocks, &mut text);
                        if let Some(Frame::List(_, items)) = builder.stack.last_mut() {
                            items.push(blocks);
                        }
                    }
                    Frame::Inline(kind, children) => {
                        let children = finish_inlines(children);
                        builder.push_inline(match kind {
                            InlineKind::Strong => Inline::Strong(children),
                            InlineKind::Emphasis => Inline::Emphasis(children),
                            InlineKind::Underline => Inline::Underline(children),
                            InlineKind::Strike => Inline::Strike(children),
                        });
                    }
                    Frame::Link(href, children) => builder.push_inline(Inline::Link {
                        href,
                        children: spoilers(merge_text(children)),
                    }),
                    Frame::Unlinked(children) => builder.push_inlines(children),
                    Frame::Root(blocks) => builder.stack.push(Frame::Root(blocks)),
                }
            }
            Event::Text(text) => builder.push_inline(Inline::Text(text.into_string())),
            Event::Code(code) => builder.push_inline(Inline::Code(code.into_string())),
            // Raw HTML is only text here.
            Event::Html(html) | Event::InlineHtml(html) => {
                builder.push_inline(Inline::Text(html.into_string()));
            }
            Event::SoftBreak | Event::HardBreak => builder.push_inline(Inline::LineBreak),
            Event::Rule => builder.push_block(Block::Paragraph(vec![Inline::Text(
                content[range].trim().to_owned(),
            )])),
            Event::TaskListMarker(done) => {
                builder.push_inline(Inline::Text(if done { "[x] " } else { "[ ] " }.into()));
            }
            Event::FootnoteReference(label) => {
                builder.push_inline(Inline::Text(format!("[^{label}]")));
            }
            Event::InlineMath(math) | Event::DisplayMath(math) => {
                builder.push_inline(Inline::Text(math.into_string()));
            }
        }
    }
    // Whatever is left open (it should not be) is closed into the root.
    while builder.stack.len() > 1 {
        if let Some(Frame::Paragraph(children)) = builder.stack.pop() {
            builder.push_block(Block::Paragraph(finish_inlines(children)));
        }
    }
    match builder.stack.pop() {
        Some(Frame::Root(blocks)) => blocks,
        _ => Vec::new(),
    }
}

/// Joins adjacent text, turns bare URLs into links, `@names` into mentions and `||x||` into
/// spoilers.
fn finish_inlines(children: Vec<Inline>) -> Vec<Inline> {
    let merged = merge_text(children);
    let linked: Vec<Inline> = merged
        .into_iter()
        .flat_map(|inline| match inline {
            Inline::Text(text) => autolink(&text)
                .into_iter()
                .flat_map(|piece| match piece {
                    Inline::Text(text) => mentions(&text),
                    other => vec![other],
                })
                .collect(),
            other => vec![other],
        })
        .collect();
    spoilers(linked)
}

/// Splits text around `@names`, by the rule the server resolves them with.
fn mentions(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    for (at, c) in text.char_indices() {
        let opens = c == '@'
            && at >= start
            && previous.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == '.'));
        previous = Some(c);
        if !opens {
            continue;
        }
        let rest = &text[at + 1..];
        let len = rest
            .find(|n: char| !(n.is_ascii_alphanumeric() || n == '_' || n == '.'))
            .unwrap_or(rest.len());
        let name = rest[..len].trim_end_matches('.');
        if !(1..=32).contains(&name.len()) {
            continue;
        }
        if at > start {
            out.push(Inline::Text(text[start..at].to_owned()));
        }
        out.push(Inline::Mention(name.to_owned()));
        start = at + 1 + name.len();
    }
    if start < text.len() {
        out.push(Inline::Text(text[start..].to_owned()));
    }
    out
}

fn merge_text(children: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(children.len());
    for child in children {
        match (out.last_mut(), child) {
            (Some(Inline::Text(previous)), Inline::Text(text)) => previous.push_str(&text),
            (_, child) => out.push(child),
        }
    }
    out
}

/// Splits text around bare http(s) URLs, which become links to themselves.
fn autolink(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_url(rest) {
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(candidate.len());
        let mut url = &candidate[..end];
        // Punctuation that ends a sentence is not part of the address.
        while let Some(last) = url.chars().last() {
            let unbalanced = last != ')' || url.matches(')').count() > url.matches('(').count();
            if matches!(last, '.' | ',' | '!' | '?' | ':' | ';' | '\'' | ')' | ']') && unbalanced {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        if !safe_href(url) {
            out.push(Inline::Text(rest[..start + end.max(1)].to_owned()));
            rest = &rest[start + end.max(1)..];
            continue;
        }
        if start > 0 {
            out.push(Inline::Text(rest[..start].to_owned()));
        }
        out.push(Inline::Link {
            href: url.to_owned(),
            children: vec![Inline::Text(url.to_owned())],
        });
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        out.push(Inline::Text(rest.to_owned()));
    }
    out
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let http = lower.find("http://");
    let https = lower.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Pairs `||` markers in text at this level; what lies between a pair is a spoiler. An unpaired
/// marker stays text.
fn spoilers(children: Vec<Inline>) -> Vec<Inline> {
    enum Piece {
        Marker,
        Node(Inline),
    }
    let mut pieces = Vec::new();
    for child in children {
        match child {
            Inline::Text(text) if text.contains("||") => {
                let mut parts = text.split("||").peekable();
                while let Some(part) = parts.next() {
                    if !part.is_empty() {
                        pieces.push(Piece::Node(Inline::Text(part.to_owned())));
                    }
                    if parts.peek().is_some() {
                        pieces.push(Piece::Marker);
                    }
                }
            }
            other => pieces.push(Piece::Node(other)),
        }
    }
    let markers = pieces.iter().filter(|p| matches!(p, Piece::Marker)).count();
    let mut paired = markers - markers % 2;
    let mut out: Vec<Inline> = Vec::new();
    let mut inside: Option<Vec<Inline>> = None;
    for piece in pieces {
        match piece {
            Piece::Marker if paired > 0 => {
                paired -= 1;
                match inside.take() {
                    Some(hidden) => out.push(Inline::Spoiler(merge_text(hidden))),
                    None => inside = Some(Vec::new()),
                }
            }
            Piece::Marker => push_to(&mut out, &mut inside, Inline::Text("||".into())),
            Piece::Node(node) => push_to(&mut out, &mut inside, node),
        }
    }
    merge_text(out)
}

fn push_to(out: &mut Vec<Inline>, inside: &mut Option<Vec<Inline>>, node: Inline) {
    match inside {
        Some(hidden) => hidden.push(node),
        None => out.push(node),
    }
}

#[cfg(test)]
mod tests {
    use super::Block::{Code as CodeBlock, Heading, List, Paragraph, Quote};
    use super::Inline::{Code, LineBreak};
    use super::*;

    fn t(text: &str) -> Inline {
        Inline::Text(text.into())
    }
    fn p(children: Vec<Inline>) -> Block {
        Paragraph(children)
    }
    fn b(children: Vec<Inline>) -> Inline {
        Inline::Strong(children)
    }
    fn i(children: Vec<Inline>) -> Inline {
        Inline::Emphasis(children)
    }
    fn u(children: Vec<Inline>) -> Inline {
        Inline::Underline(children)
    }
    fn s(children: Vec<Inline>) -> Inline {
        Inline::Strike(children)
    }
    fn c(code: &str) -> Inline {
        Code(code.into())
    }
    fn sp(children: Vec<Inline>) -> Inline {
        Inline::Spoiler(children)
    }
    fn a(href: &str, children: Vec<Inline>) -> Inline {
        Inline::Link {
            href: href.into(),
            children,
        }
    }
    fn url(href: &str) -> Inline {
        a(href, vec![t(href)])
    }
    fn code(language: Option<&str>, text: &str) -> Block {
        CodeBlock {
            language: language.map(str::to_owned),
            code: text.into(),
        }
    }
    fn text(line: &str) -> Vec<Block> {
        vec![p(vec![t(line)])]
    }

    fn table() -> Vec<(&'static str, Vec<Block>)> {
        vec![
            // Plain text and line breaks.
            ("hello", text("hello")),
            ("  padded  ", text("padded")),
            (
                "line one\nline two",
                vec![p(vec![t("line one"), LineBreak, t("line two")])],
            ),
            (
                "para one\n\npara two",
                vec![p(vec![t("para one")]), p(vec![t("para two")])],
            ),
            ("2 * 3 * 4", text("2 * 3 * 4")),
            ("snake_case_name", text("snake_case_name")),
            ("a\\*b", text("a*b")),
            ("5 > 3", text("5 > 3")),
            ("AT&T", text("AT&T")),
            ("&lt;b&gt;", text("<b>")),
            // Emphasis, as Discord.
            ("**bold**", vec![p(vec![b(vec![t("bold")])])]),
            ("*italic*", vec![p(vec![i(vec![t("italic")])])]),
            ("_italic_", vec![p(vec![i(vec![t("italic")])])]),
            ("__underline__", vec![p(vec![u(vec![t("underline")])])]),
            ("~~gone~~", vec![p(vec![s(vec![t("gone")])])]),
            ("***both***", vec![p(vec![i(vec![b(vec![t("both")])])])]),
            (
                "__*under italic*__",
                vec![p(vec![u(vec![i(vec![t("under italic")])])])],
            ),
            (
                "**bold _and italic_**",
                vec![p(vec![b(vec![t("bold "), i(vec![t("and italic")])])])],
            ),
            (
                "a **b** c",
                vec![p(vec![t("a "), b(vec![t("b")]), t(" c")])],
            ),
            ("**unclosed", text("**unclosed")),
            // Code.
            ("`x < y`", vec![p(vec![c("x < y")])]),
            ("``a ` b``", vec![p(vec![c("a ` b")])]),
            ("`**not bold**`", vec![p(vec![c("**not bold**")])]),
            ("```\nplain\n```", vec![code(None, "plain")]),
            (
                "```rust\nfn main() {}\n```",
                vec![code(Some("rust"), "fn main() {}")],
            ),
            (
                "```js\n<script>alert(1)</script>\n```",
                vec![code(Some("js"), "<script>alert(1)</script>")],
            ),
            (
                "```\nline 1\n\nline 3\n```",
                vec![code(None, "line 1\n\nline 3")],
            ),
            ("```py\nunclosed", vec![code(Some("py"), "unclosed")]),
            // Quotes, lists, headings.
            ("> quoted", vec![Quote(vec![p(vec![t("quoted")])])]),
            (
                "> **bold** quote\n> more",
                vec![Quote(vec![p(vec![
                    b(vec![t("bold")]),
                    t(" quote"),
                    LineBreak,
                    t("more"),
                ])])],
            ),
            (
                "- one\n- two",
                vec![List {
                    start: None,
                    items: vec![vec![p(vec![t("one")])], vec![p(vec![t("two")])]],
                }],
            ),
            (
                "* star",
                vec![List {
                    start: None,
                    items: vec![vec![p(vec![t("star")])]],
                }],
            ),
            (
                "1. first\n2. second",
                vec![List {
                    start: Some(1),
                    items: vec![vec![p(vec![t("first")])], vec![p(vec![t("second")])]],
                }],
            ),
            (
                "3. three",
                vec![List {
                    start: Some(3),
                    items: vec![vec![p(vec![t("three")])]],
                }],
            ),
            (
                "- outer\n  - inner",
                vec![List {
                    start: None,
                    items: vec![vec![
                        p(vec![t("outer")]),
                        List {
                            start: None,
                            items: vec![vec![p(vec![t("inner")])]],
                        },
                    ]],
                }],
            ),
            ("# Title", vec![Heading(1, vec![t("Title")])]),
            ("## Sub", vec![Heading(2, vec![t("Sub")])]),
            (
                "### Small **bold**",
                vec![Heading(3, vec![t("Small "), b(vec![t("bold")])])],
            ),
            ("#### Too deep", text("#### Too deep")),
            ("#hashtag", text("#hashtag")),
            ("---", text("---")),
            // Spoilers.
            ("||secret||", vec![p(vec![sp(vec![t("secret")])])]),
            (
                "a ||b|| c ||d||",
                vec![p(vec![
                    t("a "),
                    sp(vec![t("b")]),
                    t(" c "),
                    sp(vec![t("d")]),
                ])],
            ),
            (
                "||**bold secret**||",
                vec![p(vec![sp(vec![b(vec![t("bold secret")])])])],
            ),
            ("||unpaired", text("||unpaired")),
            (
                "a || b || c || d",
                vec![p(vec![t("a "), sp(vec![t(" b ")]), t(" c || d")])],
            ),
            // Links: only http, https and mailto are ever links.
            (
                "https://example.com",
                vec![p(vec![url("https://example.com")])],
            ),
            (
                "see https://example.com/a?b=1.",
                vec![p(vec![t("see "), url("https://example.com/a?b=1"), t(".")])],
            ),
            (
                "(http://x.org/wiki/A_(b))",
                vec![p(vec![t("("), url("http://x.org/wiki/A_(b)"), t(")")])],
            ),
            (
                "<https://example.com>",
                vec![p(vec![url("https://example.com")])],
            ),
            (
                "[docs](https://docs.rs)",
                vec![p(vec![a("https://docs.rs", vec![t("docs")])])],
            ),
            (
                "[**bold** link](http://a.b)",
                vec![p(vec![a(
                    "http://a.b",
                    vec![b(vec![t("bold")]), t(" link")],
                )])],
            ),
            (
                "[mail](mailto:a@b.c)",
                vec![p(vec![a("mailto:a@b.c", vec![t("mail")])])],
            ),
            (
                "![img](https://x.y/i.png)",
                vec![p(vec![a("https://x.y/i.png", vec![t("img")])])],
            ),
            // The classic payloads: text, never markup, never a script link.
            (
                "<script>alert(1)</script>",
                text("<script>alert(1)</script>"),
            ),
            (
                "<img src=x onerror=alert(1)>",
                text("<img src=x onerror=alert(1)>"),
            ),
            (
                "hi <b onmouseover=alert(1)>there</b>",
                text("hi <b onmouseover=alert(1)>there</b>"),
            ),
            (
                "<div>\nblock html\n</div>",
                text("<div>\nblock html\n</div>"),
            ),
            (
                "<iframe src=javascript:alert(1)>",
                text("<iframe src=javascript:alert(1)>"),
            ),
            ("[click](javascript:alert(1))", text("click")),
            ("[click](JaVaScRiPt:alert(1))", text("click")),
            ("[click]( javascript:alert(1))", text("click")),
            ("[x](data:text/html;base64,PHNjcmlwdD4=)", text("x")),
            ("[x](vbscript:msgbox(1))", text("x")),
            ("[x](//evil.example)", text("x")),
            ("[x](/relative)", text("x")),
            ("<javascript:alert(1)>", text("javascript:alert(1)")),
            ("javascript:alert(1)", text("javascript:alert(1)")),
            (
                "[a](https://ok.example \"title\")",
                vec![p(vec![a("https://ok.example", vec![t("a")])])],
            ),
            ("[x](https://a.b\"onmouseover=\"alert(1))", text("x")),
            (
                "<a href=\"javascript:alert(1)\">x</a>",
                text("<a href=\"javascript:alert(1)\">x</a>"),
            ),
            ("![x](javascript:alert(1))", text("x")),
            ("[x][ref]\n\n[ref]: javascript:alert(1)", text("x")),
            (
                "https://a.b/<script>",
                vec![p(vec![url("https://a.b/"), t("<script>")])],
            ),
        ]
    }

    #[test]
    fn the_table_renders_exactly_as_expected() {
        let cases = table();
        assert!(cases.len() >= 60, "{} cases", cases.len());
        let wrong: Vec<String> = cases
            .into_iter()
            .filter(|(input, expected)| parse(input) != *expected)
            .map(|(input, expected)| {
                format!(
                    "{input:?}\n  got:      {:?}\n  expected: {expected:?}",
                    parse(input)
                )
            })
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    fn hrefs(blocks: &[Block], out: &mut Vec<String>) {
        fn inline(node: &Inline, out: &mut Vec<String>) {
            match node {
                Inline::Link { href, children } => {
                    out.push(href.clone());
                    children.iter().for_each(|c| inline(c, out));
                }
                Inline::Strong(children)
                | Inline::Emphasis(children)
                | Inline::Underline(children)
                | Inline::Strike(children)
                | Inline::Spoiler(children) => children.iter().for_each(|c| inline(c, out)),
                Inline::Text(_) | Inline::Code(_) | Inline::LineBreak | Inline::Mention(_) => {}
            }
        }
        for block in blocks {
            match block {
                Paragraph(children) | Heading(_, children) => {
                    children.iter().for_each(|c| inline(c, out));
                }
                Quote(inner) => hrefs(inner, out),
                List { items, .. } => items.iter().for_each(|item| hrefs(item, out)),
                CodeBlock { .. } => {}
            }
        }
    }

    #[test]
    fn no_input_yields_a_link_that_is_not_http_https_or_mailto() {
        for (input, _) in table() {
            let mut found = Vec::new();
            hrefs(&parse(input), &mut found);
            for href in found {
                let lower = href.to_ascii_lowercase();
                assert!(
                    lower.starts_with("http://")
                        || lower.starts_with("https://")
                        || lower.starts_with("mailto:"),
                    "{input:?} gave {href:?}"
                );
            }
        }
    }

    #[test]
    fn hosts_are_what_the_link_really_opens() {
        assert_eq!(host_of("https://example.com/path?q=1"), "example.com");
        assert_eq!(
            host_of("https://user@evil.example:8080/x"),
            "evil.example:8080"
        );
        assert_eq!(host_of("mailto:a@b.c"), "a@b.c");
    }
}
