use leptos::prelude::*;

/// The few icons the app uses, drawn inline so they look the same on every system font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IconName {
    Menu,
    Settings,
    LogOut,
    Sun,
    Moon,
    Members,
    Edit,
    Trash,
    Search,
    Speaker,
    Video,
    Plus,
    More,
    Send,
    Reply,
    Close,
    Smile,
    File,
    Download,
}

impl IconName {
    fn path(self) -> &'static str {
        match self {
            IconName::Menu => "M4 6h16M4 12h16M4 18h16",
            IconName::Settings => {
                "M12 15.5a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM19.4 13a7.8 7.8 0 0 0 0-2l2-1.6-2-3.4-2.4 1a7.6 7.6 0 0 0-1.7-1L15 3.5h-4l-.4 2.5a7.6 7.6 0 0 0-1.7 1l-2.4-1-2 3.4 2 1.6a7.8 7.8 0 0 0 0 2l-2 1.6 2 3.4 2.4-1a7.6 7.6 0 0 0 1.7 1l.4 2.5h4l.4-2.5a7.6 7.6 0 0 0 1.7-1l2.4 1 2-3.4z"
            }
            IconName::LogOut => "M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 17l-5-5 5-5M5 12h11",
            IconName::Sun => {
                "M12 16a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4"
            }
            IconName::Moon => "M20 14.5A8 8 0 0 1 9.5 4 8 8 0 1 0 20 14.5z",
            IconName::Members => {
                "M16 20v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 4 18.5V20M10 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7zM20 20v-1.5a3.5 3.5 0 0 0-2.5-3.3M15 4.2a3.5 3.5 0 0 1 0 6.6"
            }
            IconName::Edit => "M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4",
            IconName::Trash => "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
            IconName::Search => "M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zM20 20l-4-4",
            IconName::Speaker => {
                "M4 9v6h4l5 4V5L8 9H4zM16 9a3 3 0 0 1 0 6M18.5 6.5a6.5 6.5 0 0 1 0 11"
            }
            IconName::Video => "M3 7h12v10H3zM15 10l6-3v10l-6-3",
            IconName::Plus => "M12 5v14M5 12h14",
            IconName::Reply => "M10 8V4l-7 7 7 7v-4c5 0 8.5 1.5 11 5-1-5-4-10-11-11z",
            IconName::Close => "M6 6l12 12M18 6L6 18",
            IconName::Smile => {
                "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM8.5 14a4 4 0 0 0 7 0M9 9.5h.01M15 9.5h.01"
            }
            IconName::More => {
                "M6.5 12a1.5 1.5 0 1 1-3 0 1.5 1.5 0 1 1 3 0zM13.5 12a1.5 1.5 0 1 1-3 0 1.5 1.5 0 1 1 3 0zM20.5 12a1.5 1.5 0 1 1-3 0 1.5 1.5 0 1 1 3 0z"
            }
            IconName::Send => "M4 12l16-8-5 16-3-7-8-1zM12 13l8-9",
            IconName::File => "M14 3H6v18h12V7l-4-4zM14 3v4h4",
            IconName::Download => "M12 4v11M7 10l5 5 5-5M5 20h14",
        }
    }
}

#[component]
pub fn Icon(name: IconName) -> impl IntoView {
    view! {
        <svg
            class="icon"
            viewBox="0 0 24 24"
            width="20"
            height="20"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
        >
            <path d=name.path() />
        </svg>
    }
}
