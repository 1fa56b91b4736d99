//! Key bindings are data: one table of commands feeds the key handling, the footer hints
//! and the `?` help, and the config file's `[keys]` table can rebind any command.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Tab;

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    NextTab,
    PreviousTab,
    GoToTab(usize),
    Help,
    Parameters,
    Export,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Search,
    SegmentFilter,
    AgreedFilter,
    ClearFilters,
}

/// Where a command is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Tabs(&'static [Tab]),
}

impl Scope {
    pub fn includes(self, tab: Tab) -> bool {
        match self {
            Scope::Everywhere => true,
            Scope::Tabs(tabs) => tabs.contains(&tab),
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub command: Command,
    /// Name used in the config file's `[keys]` table.
    pub name: &'static str,
    pub keys: Vec<KeyEvent>,
    pub description: &'static str,
    pub scope: Scope,
    /// Short label in the footer, for the commands shown there (the help shows all).
    pub hint: Option<&'static str>,
}

const LISTS: &[Tab] = &[Tab::Customers, Tab::Correlation];
const CUSTOMERS: &[Tab] = &[Tab::Customers];
const GRID: &[Tab] = &[Tab::Correlation, Tab::Evaluation];

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn char(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

/// The default table.
pub fn default_bindings() -> Vec<Binding> {
    use Command::*;
    let b = |command, name, keys: Vec<KeyEvent>, description, scope, hint| Binding {
        command,
        name,
        keys,
        description,
        scope,
        hint,
    };
    let mut table = vec![
        b(
            Quit,
            "quit",
            vec![
                char('q'),
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            ],
            "quit",
            Scope::Everywhere,
            Some("quit"),
        ),
        b(
            NextTab,
            "next_tab",
            vec![key(KeyCode::Tab)],
            "next tab",
            Scope::Everywhere,
            Some("tab"),
        ),
        b(
            PreviousTab,
            "previous_tab",
            vec![key(KeyCode::BackTab)],
            "previous tab",
            Scope::Everywhere,
            None,
        ),
        b(
            Help,
            "help",
            vec![char('?')],
            "help: every key",
            Scope::Everywhere,
            Some("help"),
        ),
        b(
            Parameters,
            "parameters",
            vec![char('p')],
            "change K, neighbours, list length, outliers, seed",
            Scope::Everywhere,
            Some("params"),
        ),
        b(
            Export,
            "export",
            vec![char('e')],
            "export the recommendations to a CSV file",
            Scope::Everywhere,
            Some("export"),
        ),
        b(
            Up,
            "up",
            vec![key(KeyCode::Up), char('k')],
            "move up",
            Scope::Tabs(LISTS),
            Some("up"),
        ),
        b(
            Down,
            "down",
            vec![key(KeyCode::Down), char('j')],
            "move down",
            Scope::Tabs(LISTS),
            Some("down"),
        ),
        b(
            Left,
            "left",
            vec![key(KeyCode::Left), char('h')],
            "move left",
            Scope::Tabs(GRID),
            Some("left"),
        ),
        b(
            Right,
            "right",
            vec![key(KeyCode::Right), char('l')],
            "move right",
            Scope::Tabs(GRID),
            Some("right"),
        ),
        b(
            PageUp,
            "page_up",
            vec![key(KeyCode::PageUp)],
            "page up",
            Scope::Tabs(CUSTOMERS),
            None,
        ),
        b(
            PageDown,
            "page_down",
            vec![key(KeyCode::PageDown)],
            "page down",
            Scope::Tabs(CUSTOMERS),
            None,
        ),
        b(
            Home,
            "home",
            vec![key(KeyCode::Home), char('g')],
            "first customer",
            Scope::Tabs(CUSTOMERS),
            None,
        ),
        b(
            End,
            "end",
            vec![key(KeyCode::End), char('G')],
            "last customer",
            Scope::Tabs(CUSTOMERS),
            None,
        ),
        b(
            Search,
            "search",
            vec![char('/')],
            "search by customer id or country",
            Scope::Tabs(CUSTOMERS),
            Some("search"),
        ),
        b(
            SegmentFilter,
            "segment_filter",
            vec![char('s')],
            "filter by segment (cycles)",
            Scope::Tabs(CUSTOMERS),
            Some("segment"),
        ),
        b(
            AgreedFilter,
            "agreed_filter",
            vec![char('a')],
            "only customers with agreed items",
            Scope::Tabs(CUSTOMERS),
            Some("agreed"),
        ),
        b(
            ClearFilters,
            "clear_filters",
            vec![char('c')],
            "clear search and filters",
            Scope::Tabs(CUSTOMERS),
            None,
        ),
    ];
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let digit = char::from_digit(i as u32 + 1, 10).unwrap_or('1');
        table.push(b(
            GoToTab(i),
            tab.key_name(),
            vec![char(digit)],
            tab.title(),
            Scope::Everywhere,
            None,
        ));
    }
    table
}

/// The table with the config file's overrides applied. Unknown command names or keys are
/// returned as warnings, not errors: a typo should not stop the workbench from opening.
pub fn bindings_with(overrides: &BTreeMap<String, String>) -> (Vec<Binding>, Vec<String>) {
    let mut table = default_bindings();
    let mut warnings = Vec::new();
    for (name, key_text) in overrides {
        let Some(binding) = table.iter_mut().find(|b| b.name == name) else {
            warnings.push(format!("[keys] `{name}` is not a command"));
            continue;
        };
        match parse_key(key_text) {
            Some(key) => binding.keys = vec![key],
            None => warnings.push(format!("[keys] {name} = \"{key_text}\": not a key")),
        }
    }
    (table, warnings)
}

/// `x`, `X`, `ctrl-x`, `f5`, `tab`, `enter`, `esc`, `up`, `pagedown`, `space`…
pub fn parse_key(text: &str) -> Option<KeyEvent> {
    let lower = text.trim().to_ascii_lowercase();
    let (modifiers, name) = match lower
        .strip_prefix("ctrl-")
        .or_else(|| lower.strip_prefix("ctrl+"))
    {
        Some(rest) => (KeyModifiers::CONTROL, rest.to_string()),
        None => (KeyModifiers::NONE, lower.clone()),
    };
    let code = match name.as_str() {
        "tab" => KeyCode::Tab,
        "backtab" | "shift-tab" => KeyCode::BackTab,
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "space" => KeyCode::Char(' '),
        f if f.len() > 1 && f.starts_with('f') => KeyCode::F(f[1..].parse().ok()?),
        _ => {
            let mut chars = text.trim().chars();
            let c = chars.next()?;
            if chars.next().is_some() && modifiers == KeyModifiers::NONE {
                return None;
            }
            let c = if modifiers == KeyModifiers::CONTROL {
                name.chars().next()?
            } else {
                c
            };
            KeyCode::Char(c)
        }
    };
    Some(KeyEvent::new(code, modifiers))
}

/// How a key is written in hints: `q`, `Tab`, `↑`, `Ctrl-c`.
pub fn key_label(key: &KeyEvent) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{base}")
    } else {
        base
    }
}

/// Finds the command for a key press in the current tab. Shifted letters arrive with the
/// SHIFT modifier on some terminals and without it on others, so SHIFT is ignored for
/// characters.
pub fn lookup(table: &[Binding], tab: Tab, event: KeyEvent) -> Option<Command> {
    let normalised = match event.code {
        KeyCode::Char(_) | KeyCode::BackTab => {
            KeyEvent::new(event.code, event.modifiers - KeyModifiers::SHIFT)
        }
        _ => KeyEvent::new(event.code, event.modifiers),
    };
    table
        .iter()
        .filter(|b| b.scope.includes(tab))
        .find(|b| {
            b.keys
                .iter()
                .any(|k| k.code == normalised.code && k.modifiers == normalised.modifiers)
        })
        .map(|b| b.command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_rebinds_a_command_and_reports_typos() {
        let overrides = BTreeMap::from([
            ("quit".to_string(), "x".to_string()),
            ("jump".to_string(), "z".to_string()),
        ]);
        let (table, warnings) = bindings_with(&overrides);
        assert_eq!(lookup(&table, Tab::Quality, char('x')), Some(Command::Quit));
        assert_eq!(lookup(&table, Tab::Quality, char('q')), None);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn shift_tab_arrives_with_shift_and_still_counts() {
        let table = default_bindings();
        let shift_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            lookup(&table, Tab::Quality, shift_tab),
            Some(Command::PreviousTab)
        );
    }

    #[test]
    fn parses_key_names() {
        assert_eq!(
            parse_key("ctrl-r"),
            Some(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL))
        );
        assert_eq!(parse_key("F5"), Some(key(KeyCode::F(5))));
        assert_eq!(parse_key("G"), Some(char('G')));
        assert_eq!(parse_key("nonsense"), None);
    }
}
