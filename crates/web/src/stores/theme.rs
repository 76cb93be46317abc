//! Light or dark. The choice is kept in `localStorage` and applied as `<html data-theme>`; the
//! script in `index.html` applies it before the app loads so there is no flash.

use leptos::prelude::*;

const STORAGE_KEY: &str = "parley.theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
}

impl Theme {
    fn as_str(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::Dark,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ThemeStore {
    theme: RwSignal<Theme>,
}

impl ThemeStore {
    pub fn provide() -> Self {
        let root = document().document_element();
        let initial = match root.and_then(|r| r.get_attribute("data-theme")).as_deref() {
            Some("light") => Theme::Light,
            _ => Theme::Dark,
        };
        let store = Self {
            theme: RwSignal::new(initial),
        };
        Effect::new(move |_| {
            let theme = store.theme.get();
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("data-theme", theme.as_str());
            }
            if let Ok(Some(storage)) = window().local_storage() {
                let _ = storage.set_item(STORAGE_KEY, theme.as_str());
            }
        });
        provide_context(store);
        store
    }

    pub fn get(&self) -> Theme {
        self.theme.get()
    }

    pub fn toggle(&self) {
        self.theme.update(|t| *t = t.other());
    }
}

pub fn use_theme() -> ThemeStore {
    expect_context::<ThemeStore>()
}
