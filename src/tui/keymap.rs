//! The one keymap table. It turns key presses into `Action`s, and the footer hints, the `?`
//! help overlay and the `:` palette are all generated from it, so they cannot drift apart.
//! Widgets never look at key codes.

use super::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Everywhere in normal mode.
    Global,
    /// The workload list has focus.
    Workloads,
    /// The parameter pane has focus.
    Params,
    /// The platform table has focus.
    Platforms,
    /// The Jobs tab.
    Jobs,
    /// A text input: parameter edit, filter, palette, path prompt.
    Input,
    /// The help overlay.
    Help,
    /// A yes/no question.
    Confirm,
}

impl Context {
    /// The heading of this context's section in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Workloads => "Workload list",
            Context::Params => "Parameters",
            Context::Platforms => "Platforms",
            Context::Jobs => "Jobs tab",
            Context::Input => "Text input (edit, filter, palette, path)",
            Context::Help => "Help",
            Context::Confirm => "Questions",
        }
    }

    pub const HELP_ORDER: [Context; 8] = [
        Context::Global,
        Context::Workloads,
        Context::Params,
        Context::Platforms,
        Context::Jobs,
        Context::Input,
        Context::Confirm,
        Context::Help,
    ];
}

/// A key: a code and the modifiers that must be held (Shift is ignored for characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let mods = match ev.code {
            KeyCode::Char(_) | KeyCode::BackTab => ev.modifiers - KeyModifiers::SHIFT,
            _ => ev.modifiers,
        };
        self.code == ev.code && self.mods == mods
    }

    /// How the key is written in the footer and help.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub action: Action,
    pub description: &'static str,
    /// Short label for the footer; `None` keeps it out of the footer.
    pub hint: Option<&'static str>,
}

const fn b(
    context: Context,
    keys: &'static [Key],
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        context,
        keys,
        action,
        description,
        hint,
    }
}

use Context as C;

/// Every binding. Pane contexts come before `Global` so a pane key wins; pane keys never
/// reuse a global key.
#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    // Workload list
    b(C::Workloads, &[code(KeyCode::Enter)], Action::Enter, "edit this workload's parameters", Some("edit")),
    b(C::Workloads, &[k('/')], Action::StartFilter, "filter the workload list", Some("filter")),
    // Parameters
    b(C::Params, &[code(KeyCode::Enter)], Action::Enter, "type a value for the selected parameter", Some("type")),
    // Platforms
    b(C::Platforms, &[code(KeyCode::Enter)], Action::Enter, "open the cost breakdown of the selected platform", Some("breakdown")),
    // Jobs tab
    b(C::Jobs, &[k('x')], Action::CancelJob, "cancel the selected running job", Some("cancel job")),
    // Text input
    b(C::Input, &[code(KeyCode::Enter)], Action::Enter, "apply / keep / run", Some("apply")),
    b(C::Input, &[code(KeyCode::Esc)], Action::Back, "cancel (a filter: clear it)", Some("cancel")),
    b(C::Input, &[code(KeyCode::Backspace)], Action::Backspace, "delete the last character", None),
    b(C::Input, &[code(KeyCode::Up)], Action::Up, "previous palette entry", None),
    b(C::Input, &[code(KeyCode::Down)], Action::Down, "next palette entry", None),
    b(C::Input, &[ctrl('c')], Action::ForceQuit, "quit now", None),
    // Questions
    b(C::Confirm, &[k('y')], Action::Confirm(true), "yes", Some("yes")),
    b(C::Confirm, &[k('n'), code(KeyCode::Esc)], Action::Confirm(false), "no", Some("no")),
    b(C::Confirm, &[ctrl('c')], Action::ForceQuit, "quit now", None),
    // Help overlay
    b(C::Help, &[code(KeyCode::Esc), k('?'), code(KeyCode::F(1)), k('q')], Action::Back, "close help", Some("close")),
    b(C::Help, &[code(KeyCode::Down), k('j')], Action::Down, "scroll down", Some("scroll")),
    b(C::Help, &[code(KeyCode::Up), k('k')], Action::Up, "scroll up", None),
    b(C::Help, &[ctrl('c')], Action::ForceQuit, "quit now", None),
    // Everywhere
    b(C::Global, &[code(KeyCode::Down), k('j')], Action::Down, "move down", Some("move")),
    b(C::Global, &[code(KeyCode::Up), k('k')], Action::Up, "move up", None),
    b(C::Global, &[k('+')], Action::Step(1), "step the selected parameter up", Some("adjust")),
    b(C::Global, &[k('-')], Action::Step(-1), "step the selected parameter down", None),
    b(C::Global, &[k('=')], Action::Reset, "reset the selected parameter to the file's value", Some("reset")),
    b(C::Global, &[code(KeyCode::Tab)], Action::FocusNext, "next pane", Some("pane")),
    b(C::Global, &[code(KeyCode::BackTab)], Action::FocusPrev, "previous pane", None),
    b(C::Global, &[code(KeyCode::Right), k('l')], Action::Right, "next pane (breakdown tab: next platform)", None),
    b(C::Global, &[code(KeyCode::Left), k('h')], Action::Left, "previous pane (breakdown tab: previous platform)", None),
    b(C::Global, &[k('g'), code(KeyCode::Home)], Action::Top, "top", None),
    b(C::Global, &[k('G'), code(KeyCode::End)], Action::Bottom, "bottom", None),
    b(C::Global, &[code(KeyCode::PageUp), ctrl('u')], Action::PageUp, "page up", None),
    b(C::Global, &[code(KeyCode::PageDown), ctrl('d')], Action::PageDown, "page down", None),
    b(C::Global, &[k('c')], Action::ToggleChart, "switch the chart: cost vs rate / the day's traffic", None),
    b(C::Global, &[k('s')], Action::Save, "save the edited profile to a new file", Some("save")),
    b(C::Global, &[k('e')], Action::Export, "export the report (Markdown, or JSON for .json)", Some("export")),
    b(C::Global, &[ctrl('r')], Action::Reload, "reload the profiles from disk", None),
    b(C::Global, &[], Action::ResetAll, "reset every edit of this profile", None),
    b(C::Global, &[k('1')], Action::Tab(0), "tab 1: plan", None),
    b(C::Global, &[k('2')], Action::Tab(1), "tab 2: breakdown", None),
    b(C::Global, &[k('3')], Action::Tab(2), "tab 3: jobs", None),
    b(C::Global, &[k(']')], Action::NextTab, "next tab", None),
    b(C::Global, &[k('[')], Action::PrevTab, "previous tab", None),
    b(C::Global, &[k('w')], Action::JobsTab, "jobs tab (again: back)", None),
    b(C::Global, &[k('R')], Action::RefreshPrices, "refresh this region's prices from the AWS Price List API (asks first)", None),
    b(C::Global, &[k('C')], Action::StartCalibration, "calibrate this workload on a deployed Lambda function (asks first)", None),
    b(C::Global, &[k(':')], Action::OpenPalette, "command palette", Some("commands")),
    b(C::Global, &[code(KeyCode::Esc)], Action::Back, "go back / close", None),
    b(C::Global, &[k('?'), code(KeyCode::F(1))], Action::OpenHelp, "help: every key", Some("help")),
    b(C::Global, &[k('q')], Action::Quit, "quit", Some("quit")),
    b(C::Global, &[ctrl('c')], Action::ForceQuit, "quit now", None),
];

/// The action for a key press in `contexts` (most specific first), if any.
pub fn lookup(contexts: &[Context], ev: &KeyEvent) -> Option<Action> {
    for &ctx in contexts {
        if let Some(bd) = BINDINGS
            .iter()
            .find(|bd| bd.context == ctx && bd.keys.iter().any(|key| key.matches(ev)))
        {
            return Some(bd.action.clone());
        }
        if ctx == Context::Input
            && let KeyCode::Char(c) = ev.code
            && !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            return Some(Action::Input(c));
        }
    }
    None
}

/// The bindings of a context, in table order.
pub fn of(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |bd| bd.context == context)
}

/// Keys of a binding, joined: `↓/j`.
pub fn keys_label(bd: &Binding) -> String {
    bd.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// Footer hints for `contexts`: `(keys, hint)` pairs, pane keys first.
pub fn hints(contexts: &[Context]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for &ctx in contexts {
        for bd in of(ctx) {
            let Some(hint) = bd.hint else { continue };
            // Merge a hint's pair (move up/down, +/-) into one entry.
            let mut keys = keys_label(bd);
            if let Some(pair) = of(ctx).find(|o| {
                o.hint.is_none() && !std::ptr::eq(*o, bd) && paired(&bd.action, &o.action)
            }) {
                keys = format!("{}/{}", short(bd), short(pair));
            } else if ctx != Context::Global || bd.keys.len() > 1 {
                keys = short(bd);
            }
            if out.iter().any(|(_, h)| *h == hint) {
                continue;
            }
            out.push((keys, hint));
        }
    }
    out
}

fn short(bd: &Binding) -> String {
    // The last key is the mnemonic letter where there is one (↓/j -> j, Esc/?/F1/q -> q).
    let letter = bd
        .keys
        .iter()
        .find(|k| matches!(k.code, KeyCode::Char(_)) && k.mods.is_empty());
    letter
        .or(bd.keys.first())
        .map(Key::label)
        .unwrap_or_default()
}

fn paired(a: &Action, b: &Action) -> bool {
    matches!(
        (a, b),
        (Action::Down, Action::Up)
            | (Action::Step(1), Action::Step(-1))
            | (Action::FocusNext, Action::FocusPrev)
            | (Action::Left, Action::Right)
    )
}

/// Palette entries: every distinct action of the normal-mode contexts, with its keys.
pub fn palette_entries() -> Vec<&'static Binding> {
    let mut out: Vec<&'static Binding> = Vec::new();
    for ctx in [
        Context::Global,
        Context::Workloads,
        Context::Params,
        Context::Platforms,
        Context::Jobs,
    ] {
        for bd in of(ctx) {
            if matches!(
                bd.action,
                Action::OpenPalette | Action::Back | Action::Enter
            ) {
                continue;
            }
            if out.iter().any(|o| o.action == bd.action) {
                continue;
            }
            out.push(bd);
        }
    }
    out
}

/// Fuzzy match: every character of `query` appears in order in `text` (case-insensitive).
/// Lower scores are better; `None` when it does not match.
pub fn fuzzy(query: &str, text: &str) -> Option<usize> {
    let text = text.to_lowercase();
    let mut score = 0;
    let mut from = 0;
    for qc in query.to_lowercase().chars() {
        let rest = text.get(from..)?;
        let at = rest.find(qc)?;
        score += at;
        from += at + qc.len_utf8();
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn keys_map_to_actions() {
        let ctx = [Context::Params, Context::Global];
        assert_eq!(
            lookup(&ctx, &ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            lookup(&ctx, &ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::ForceQuit)
        );
        assert_eq!(
            lookup(&ctx, &ev(KeyCode::Char('+'), KeyModifiers::SHIFT)),
            Some(Action::Step(1))
        );
        assert_eq!(
            lookup(&ctx, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            lookup(&ctx, &ev(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Action::Enter)
        );
        assert_eq!(
            lookup(
                &[Context::Input],
                &ev(KeyCode::Char('q'), KeyModifiers::NONE)
            ),
            Some(Action::Input('q'))
        );
    }

    #[test]
    fn pane_keys_do_not_reuse_global_keys() {
        for bd in BINDINGS.iter().filter(|b| {
            matches!(
                b.context,
                Context::Workloads | Context::Params | Context::Platforms | Context::Jobs
            )
        }) {
            for key in bd.keys {
                let clash = of(Context::Global).find(|g| g.keys.contains(key));
                assert!(clash.is_none(), "{} reuses a global key", key.label());
            }
        }
    }

    #[test]
    fn every_palette_entry_has_a_description() {
        let entries = palette_entries();
        assert!(entries.iter().any(|e| e.action == Action::ResetAll));
        assert!(entries.iter().all(|e| !e.description.is_empty()));
    }

    #[test]
    fn fuzzy_matches_in_order() {
        assert!(fuzzy("exp", "export the report").is_some());
        assert!(fuzzy("xq", "export").is_none());
    }
}
