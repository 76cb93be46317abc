use leptos::prelude::*;
use parley_shared::reactions::only_emoji;

use crate::markdown::{Block, Inline, host_of, parse};

/// A message's text as markdown, built from the parsed tree element by element: text is always
/// text, links only go where [`crate::markdown`] allows, and one to three emoji alone show large.
#[component]
pub fn MessageContent(
    #[prop(into)] content: Signal<String>,
    /// The `@names` the server resolved (lowercase), shown as mentions; others stay text.
    #[prop(into)]
    mentioned: Signal<Vec<String>>,
) -> impl IntoView {
    let jumbo = Memo::new(move |_| content.with(|c| only_emoji(c)));
    view! {
        <div class="message-content" class:jumbo=move || jumbo.get()>
            {move || mentioned.with(|names| content.with(|c| blocks(&parse(c), names)))}
        </div>
    }
}

type Names = [String];

fn blocks(list: &[Block], names: &Names) -> AnyView {
    list.iter()
        .map(|b| block(b, names))
        .collect_view()
        .into_any()
}

fn block(node: &Block, names: &Names) -> AnyView {
    match node {
        Block::Paragraph(children) => view! { <p>{inlines(children, names)}</p> }.into_any(),
        Block::Heading(1, children) => view! { <h3 class="md-h1">{inlines(children, names)}</h3> }.into_any(),
        Block::Heading(2, children) => view! { <h4 class="md-h2">{inlines(children, names)}</h4> }.into_any(),
        Block::Heading(_, children) => view! { <h5 class="md-h3">{inlines(children, names)}</h5> }.into_any(),
        Block::Code { language, code } => view! { <CodeBlock language=language.clone() code=code.clone() /> }.into_any(),
        Block::Quote(inner) => view! { <blockquote>{blocks(inner, names)}</blockquote> }.into_any(),
        Block::List { start: None, items } => {
            view! { <ul>{items.iter().map(|item| view! { <li>{blocks(item, names)}</li> }).collect_view()}</ul> }.into_any()
        }
        Block::List { start: Some(start), items } => view! {
            <ol start=start.to_string()>{items.iter().map(|item| view! { <li>{blocks(item, names)}</li> }).collect_view()}</ol>
        }
        .into_any(),
    }
}

fn inlines(list: &[Inline], names: &Names) -> AnyView {
    list.iter()
        .map(|i| inline(i, names))
        .collect_view()
        .into_any()
}

fn inline(node: &Inline, names: &Names) -> AnyView {
    match node {
        Inline::Mention(name) if names.contains(&name.to_ascii_lowercase()) => {
            view! { <span class="mention">{format!("@{name}")}</span> }.into_any()
        }
        Inline::Mention(name) => format!("@{name}").into_any(),
        Inline::Text(text) => text.clone().into_any(),
        Inline::Strong(children) => {
            view! { <strong>{inlines(children, names)}</strong> }.into_any()
        }
        Inline::Emphasis(children) => view! { <em>{inlines(children, names)}</em> }.into_any(),
        Inline::Underline(children) => view! { <u>{inlines(children, names)}</u> }.into_any(),
        Inline::Strike(children) => view! { <s>{inlines(children, names)}</s> }.into_any(),
        Inline::Code(code) => view! { <code class="md-code">{code.clone()}</code> }.into_any(),
        Inline::LineBreak => view! { <br /> }.into_any(),
        Inline::Spoiler(children) => {
            let revealed = RwSignal::new(false);
            view! {
                <span class="spoiler" class:revealed=move || revealed.get() role="button" tabindex="0"
                    aria-label=move || if revealed.get() { "Spoiler" } else { "Spoiler, hidden: press to reveal" }
                    aria-expanded=move || revealed.get().to_string()
                    on:click=move |_| revealed.set(true)
                    on:keydown=move |ev| if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); revealed.set(true) }>
                    <span class="spoiler-text">{inlines(children, names)}</span>
                </span>
            }
            .into_any()
        }
        Inline::Link { href, children } => {
            let title = format!("{} — {href}", host_of(href));
            view! {
                <a href=href.clone() target="_blank" rel="noopener noreferrer" title=title>{inlines(children, names)}</a>
            }
            .into_any()
        }
    }
}

/// A fenced code block: its language, a copy button, and the code, monospace and scrollable.
#[component]
fn CodeBlock(language: Option<String>, code: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = code.clone();
    let copy = move |_| {
        let _ = window().navigator().clipboard().write_text(&text);
        copied.set(true);
        set_timeout(
            move || copied.set(false),
            std::time::Duration::from_millis(1_500),
        );
    };
    view! {
        <div class="code-block">
            <div class="code-header">
                <span class="muted small">{language.unwrap_or_default()}</span>
                <button type="button" class="link-button small" aria-label="Copy code" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy" }}
                </button>
            </div>
            <pre><code>{code}</code></pre>
        </div>
    }
}
