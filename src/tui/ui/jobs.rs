//! The Jobs tab. Calibration and price refresh run here once they land; until then it says so.

use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let lines = vec![
        Line::styled("No jobs.", t.header()),
        Line::raw(""),
        Line::styled(
            "Background work (Lambda calibration, price book refresh) will be listed here with its progress, and can be cancelled.",
            t.muted(),
        ),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(super::block(" Jobs ", true, t)),
        area,
    );
}
