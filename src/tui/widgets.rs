//! Small drawing helpers shared by the tabs: text bars, the heatmap palette, number
//! formats and styles that respect `NO_COLOR`.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};

/// Styles for a terminal with or without colour.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn accent(self) -> Style {
        if self.color {
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    pub fn selected(self) -> Style {
        if self.color {
            Style::new()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED)
        }
    }

    /// Items both methods recommend.
    pub fn agreed(self) -> Style {
        if self.color {
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        }
    }

    pub fn warning(self) -> Style {
        if self.color {
            Style::new().fg(Color::Yellow)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    pub fn error(self) -> Style {
        if self.color {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    pub fn bar(self) -> Style {
        if self.color {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new()
        }
    }

    /// Background and foreground of a heatmap cell for a correlation `r`.
    pub fn heat(self, r: f64) -> Style {
        if !self.color || !r.is_finite() {
            return Style::new();
        }
        let strength = r.abs();
        let step = [0.1, 0.3, 0.5, 0.7, 0.9]
            .iter()
            .filter(|&&t| strength >= t)
            .count();
        let background = match (r >= 0.0, step) {
            (_, 0) => 236,
            (true, s) => [95, 131, 167, 203, 196][s - 1],
            (false, s) => [60, 61, 62, 63, 21][s - 1],
        };
        Style::new().bg(Color::Indexed(background)).fg(Color::White)
    }
}

/// Shading for a heatmap cell without colour: stronger correlation, darker block.
pub fn shade(r: f64) -> char {
    if !r.is_finite() {
        return '·';
    }
    match r.abs() {
        a if a >= 0.8 => '█',
        a if a >= 0.6 => '▓',
        a if a >= 0.4 => '▒',
        a if a >= 0.2 => '░',
        _ => ' ',
    }
}

/// A horizontal bar `width` cells long at most, with eighth-cell resolution.
pub fn bar(value: f64, max: f64, width: usize) -> String {
    if max <= 0.0 || !value.is_finite() || value <= 0.0 {
        return String::new();
    }
    let eighths = ((value / max).min(1.0) * width as f64 * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    out.push_str(PARTS[eighths % 8]);
    if out.is_empty() {
        out.push('▏');
    }
    out
}

/// `12,345.60` for money and `12,345` for counts.
pub fn money(value: f64) -> String {
    let negative = value < 0.0;
    let cents = (value.abs() * 100.0).round() as u64;
    let whole = crate::report::thousands((cents / 100) as usize);
    format!(
        "{}{}.{:02}",
        if negative { "-" } else { "" },
        whole,
        cents % 100
    )
}

/// A rectangle of at most `width` × `height` centred in `area`.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let [vertical] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(vertical);
    rect
}

/// Cuts `text` to `width` characters at a word boundary, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width <= 1 {
        return "…".chars().take(width).collect();
    }
    let cut: String = text.chars().take(width - 1).collect();
    let at_word = match cut.rfind(' ') {
        Some(i) if i >= width / 2 => cut[..i].trim_end().to_string(),
        _ => cut,
    };
    format!("{at_word}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_fitting() {
        assert_eq!(bar(1.0, 1.0, 4), "████");
        assert_eq!(bar(0.5, 1.0, 4), "██");
        assert_eq!(
            fit("WHITE HANGING HEART T-LIGHT HOLDER", 16),
            "WHITE HANGING…"
        );
        assert_eq!(money(4310.0), "4,310.00");
    }
}
