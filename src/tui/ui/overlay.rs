//! Overlays: help (generated from the keymap), the command palette, the path prompt and the
//! yes/no question.

use super::Widgets;
use crate::tui::app::{App, PromptKind, Question};
use crate::tui::keymap::{self, Context};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, List, ListItem, Paragraph, Wrap};

pub fn help(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let width = if area.width < 110 { 96 } else { 70 };
    let popup = area.centered(Constraint::Percentage(width), Constraint::Percentage(90));
    let mut lines: Vec<Line> = Vec::new();
    for ctx in Context::HELP_ORDER {
        lines.push(Line::styled(ctx.title(), t.accent()));
        for bd in keymap::of(ctx) {
            let keys = if bd.keys.is_empty() {
                ": only".to_string()
            } else {
                keymap::keys_label(bd)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<14}"), t.key()),
                Span::raw(bd.description),
            ]));
        }
        lines.push(Line::raw(""));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((app.sel.help_scroll, 0))
            .block(super::block(" Keys · j/k scroll · Esc close ", true, t)),
        popup,
    );
}

pub fn palette(frame: &mut Frame, area: Rect, app: &App, widgets: &mut Widgets) {
    let t = &app.theme;
    let entries = app.palette();
    let h = (entries.len() as u16 + 3)
        .min(area.height.saturating_sub(4))
        .max(5);
    let popup = area.centered(Constraint::Percentage(70), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    let block = super::block(" Commands · Enter run · Esc close ", true, t);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [input, list] = inner.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
    ]));
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(": ", t.key()),
            Span::raw(app.input.clone()),
            Span::styled("▏", t.accent()),
        ])),
        input,
    );
    let w = list.width.saturating_sub(2) as usize;
    let items: Vec<ListItem> = entries
        .iter()
        .map(|bd| {
            let keys = keymap::keys_label(bd);
            let pad = w.saturating_sub(bd.description.chars().count() + keys.chars().count());
            ListItem::new(Line::from(vec![
                Span::raw(bd.description),
                Span::raw(" ".repeat(pad)),
                Span::styled(keys, t.key()),
            ]))
        })
        .collect();
    widgets
        .palette
        .select((!items.is_empty()).then_some(app.sel.palette));
    frame.render_stateful_widget(
        List::new(items)
            .highlight_symbol("▶ ")
            .highlight_style(t.selected()),
        list,
        &mut widgets.palette,
    );
}

pub fn prompt(frame: &mut Frame, area: Rect, app: &App, kind: PromptKind) {
    let t = &app.theme;
    let (title, note) = match kind {
        PromptKind::Export => (
            " Export the report ",
            "Markdown report of this profile as edited; a path ending in .json writes JSON.",
        ),
        PromptKind::Save => (
            " Save the edited profile ",
            "Writes a new file; the original profile and its comments stay as they are.",
        ),
        PromptKind::Calibrate => (
            " Calibrate on Lambda: FUNCTION SIZES ",
            "The deployed function's name or ARN, then memory sizes in MB (20 invocations each). Nothing runs before you confirm the plan.",
        ),
    };
    let popup = area.centered(Constraint::Percentage(80), Constraint::Length(7));
    frame.render_widget(Clear, popup);
    let mut lines = vec![
        Line::from(vec![
            Span::styled(
                if kind == PromptKind::Calibrate {
                    "function sizes: "
                } else {
                    "path: "
                },
                t.key(),
            ),
            Span::raw(app.input.clone()),
            Span::styled("▏", t.accent()),
        ]),
        Line::styled(note, t.muted()),
    ];
    if let Some(r) = &app.refusal {
        lines.push(Line::styled(format!("✗ {r}"), t.error()));
    }
    lines.push(Line::styled(
        if kind == PromptKind::Calibrate {
            "Enter show the plan · Esc cancel"
        } else {
            "Enter write · Esc cancel"
        },
        t.muted(),
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(super::block(title, true, t)),
        popup,
    );
}

pub fn confirm(frame: &mut Frame, area: Rect, app: &App, q: &Question) {
    let t = &app.theme;
    let text = match q {
        Question::Quit => "Quit? The edits are not saved (s saves them to a new file).".to_string(),
        Question::Reload => "Reload from disk? Unsaved edits are dropped.".to_string(),
        Question::Replace { path, .. } => format!("{} exists. Replace it?", path.display()),
        Question::QuitJobs => format!(
            "Quit? {} running job(s) will be cancelled and get 1 s to stop. A calibration \
             still cleaning up after that is waited for once the screen is closed (up to \
             2 min, Ctrl-C stops waiting), and anything it could not remove is printed with \
             the commands that remove it.",
            app.running_jobs()
        ),
        Question::Calibrate { plan, .. } => plan.clone(),
        Question::RefreshPrices { region, dir } => format!(
            "Refresh the {region} price book? This makes GetProducts calls to the AWS Price List \
             API for {region} (permission pricing:GetProducts, free of charge) with your AWS \
             credentials, then writes {} atomically; the new prices apply at once.",
            dir.join(format!("{region}.yaml")).display()
        ),
    };
    // Tall enough for the wrapped question, the y/n line and the borders.
    let inner_w = (area.width * 7 / 10).saturating_sub(2).max(1) as usize;
    let text_h = text.chars().count().div_ceil(inner_w) as u16 + 1;
    let h = (text_h + 3).min(area.height);
    let popup = area.centered(Constraint::Percentage(70), Constraint::Length(h));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(vec![
            Line::raw(text),
            Line::from(vec![
                Span::styled("y", t.key()),
                Span::styled(" yes  ", t.muted()),
                Span::styled("n", t.key()),
                Span::styled(" no", t.muted()),
            ]),
        ])
        .wrap(Wrap { trim: true })
        .block(super::block(" Confirm ", true, t)),
        popup,
    );
}
