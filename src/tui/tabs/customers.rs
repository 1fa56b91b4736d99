//! Customers: the searchable, filterable list and the selected customer's three lists side
//! by side — KNN, K-Means and Both — with agreed items highlighted, plus what they bought.

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::model::recommend::{CustomerRecommendations, Method, Recommendation};
use crate::pipeline::{Model, Prepared};
use crate::report::{format_timestamp, thousands};
use crate::tui::app::App;
use crate::tui::widgets::{fit, money, Theme};

const LIST_WIDTH: u16 = 58;

pub fn draw(
    app: &App,
    prepared: &Prepared,
    model: &Model,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let wide = area.width >= 160;
    let [list_area, detail_area] = if wide {
        Layout::horizontal([Constraint::Length(LIST_WIDTH), Constraint::Min(40)]).areas(area)
    } else {
        Layout::vertical([Constraint::Percentage(38), Constraint::Percentage(62)]).areas(area)
    };
    draw_list(app, theme, frame, list_area);
    draw_detail(app, prepared, model, theme, frame, detail_area);
}

fn draw_list(app: &App, theme: Theme, frame: &mut Frame, area: Rect) {
    let list = &app.customers;
    let [filter_line, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);

    let mut filters = Vec::new();
    if app.searching || !list.search.is_empty() {
        let cursor = if app.searching { "▏" } else { "" };
        filters.push(Span::styled(
            format!("/{}{cursor} ", list.search),
            theme.accent(),
        ));
    }
    if let Some(segment) = list.segment {
        filters.push(Span::styled(
            format!("[segment {segment}] "),
            theme.accent(),
        ));
    }
    if list.agreed_only {
        filters.push(Span::styled("[agreed only] ", theme.accent()));
    }
    filters.push(Span::raw(format!(
        "{} of {} customers",
        thousands(list.visible.len()),
        thousands(list.rows.len())
    )));
    frame.render_widget(Line::from(filters), filter_line);

    // Only the page holding the selection is built, so a key press stays cheap with tens of
    // thousands of customers.
    let page = (table_area.height as usize).saturating_sub(1).max(1);
    list.page.set(page);
    let start = list.selected / page * page;

    // Columns by priority; those that do not fit the width are left out, never cut.
    const COLUMNS: [(&str, u16, bool); 7] = [
        ("customer", 9, false),
        ("seg", 3, true),
        ("spend", 11, true),
        ("agr", 3, false),
        ("country", 14, false),
        ("txn", 4, true),
        ("", 3, false),
    ];
    let mut used = 0;
    let shown: Vec<usize> = (0..COLUMNS.len())
        .filter(|&c| {
            let fits = used + COLUMNS[c].1 < table_area.width;
            if fits {
                used += COLUMNS[c].1 + 1;
            }
            fits
        })
        .collect();
    let mut order = shown.clone();
    order.sort_by_key(|&c| [0, 2, 3, 6, 1, 4, 5][c]);

    let cell = |text: String, c: usize| {
        let line = Line::from(text);
        Cell::from(if COLUMNS[c].2 {
            line.alignment(Alignment::Right)
        } else {
            line
        })
    };
    let rows: Vec<Row> = list.visible[start..(start + page).min(list.visible.len())]
        .iter()
        .enumerate()
        .map(|(offset, &r)| {
            let row = &list.rows[r];
            let style = if start + offset == list.selected {
                theme.selected()
            } else {
                Style::new()
            };
            let text = |c: usize| match c {
                0 => row.id.clone(),
                1 => row.segment.to_string(),
                2 => money(row.spend),
                3 if row.agreed > 0 => format!("★{}", row.agreed),
                4 => fit(&row.country, 14),
                5 => row.transactions.to_string(),
                6 if row.outlier => "out".to_string(),
                _ => String::new(),
            };
            Row::new(order.iter().map(|&c| cell(text(c), c)).collect::<Vec<_>>()).style(style)
        })
        .collect();
    let widths: Vec<Constraint> = order
        .iter()
        .map(|&c| Constraint::Length(COLUMNS[c].1))
        .collect();
    let header = Row::new(
        order
            .iter()
            .map(|&c| cell(COLUMNS[c].0.to_string(), c))
            .collect::<Vec<_>>(),
    )
    .style(theme.accent());
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        table_area,
    );
}

fn draw_detail(
    app: &App,
    prepared: &Prepared,
    model: &Model,
    theme: Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let Some(row) = app.customers.selected_row() else {
        frame.render_widget(
            Paragraph::new(if app.searching {
                "No customer matches. Esc or Ctrl-u clears the search."
            } else {
                "No customer matches the search and filters. Press c to clear them."
            })
            .wrap(Wrap { trim: true })
            .block(Block::new().borders(Borders::TOP)),
            area,
        );
        return;
    };
    let i = row.index;
    let features = &prepared.features;
    let purchases = &prepared.purchases;
    let top_bought: Vec<String> = purchases
        .top_items(i, 3)
        .iter()
        .filter(|line| line.quantity > 0.0)
        .map(|line| {
            let item = &purchases.items[line.item as usize];
            format!("{} ×{}", item.description.trim(), line.quantity.round())
        })
        .collect();
    let header = vec![
        Line::from(vec![
            Span::styled(format!("Customer {}", row.id), theme.accent()),
            Span::raw(format!(
                " · {} · segment {}{} · spend {} · {} transaction{} · last purchase {}",
                row.country,
                row.segment,
                if row.outlier {
                    " (outlier, nearest segment)"
                } else {
                    ""
                },
                money(row.spend),
                row.transactions,
                if row.transactions == 1 { "" } else { "s" },
                format_timestamp(features.last_seen[i]),
            )),
        ]),
        Line::raw(if top_bought.is_empty() {
            "Bought most: nothing kept (every line was returned or cancelled)".to_string()
        } else {
            format!("Bought most: {}", top_bought.join("; "))
        }),
    ];
    let header_height = if area.width >= 100 { 3 } else { 4 };
    let [header_area, columns_area] =
        Layout::vertical([Constraint::Length(header_height), Constraint::Min(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(header)
            .wrap(Wrap { trim: true })
            .block(Block::new().borders(Borders::TOP)),
        header_area,
    );

    let lists = &model.recommendations[i];
    let columns = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(columns_area);
    for (area, (title, method)) in columns.iter().zip([
        ("KNN", Method::Knn),
        ("K-Means", Method::Kmeans),
        ("Both", Method::Both),
    ]) {
        let width = area.width.saturating_sub(2) as usize;
        let lines = recommendation_lines(lists, method, prepared, theme, width);
        let count = lists.list(method).len();
        let block = Block::bordered().title(format!(" {title} ({count}) "));
        frame.render_widget(Paragraph::new(lines).block(block), *area);
    }
}

fn recommendation_lines(
    lists: &CustomerRecommendations,
    method: Method,
    prepared: &Prepared,
    theme: Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let items = &prepared.purchases.items;
    let list = lists.list(method);
    if list.is_empty() {
        let why = match method {
            Method::Knn => "No neighbour bought anything this customer has not.",
            Method::Kmeans => "The segment sells nothing this customer has not bought.",
            Method::Both => "The two lists share no item.",
        };
        return vec![Line::styled(fit(why, width), theme.dim())];
    }
    let agreed =
        |r: &Recommendation| method != Method::Both && lists.both.iter().any(|b| b.item == r.item);
    let mut lines = Vec::new();
    for r in list {
        let item = &items[r.item as usize];
        let style = if agreed(r) {
            theme.agreed()
        } else {
            Style::new()
        };
        let star = if agreed(r) { "★ " } else { "" };
        let title = format!(
            "{:>2}. {star}{} {}",
            r.rank,
            item.code,
            item.description.trim()
        );
        let reason = match width {
            0..34 => format!("    {}", r.reason.short()),
            34..48 => format!("    {} · {}", score_text(r.score, method), r.reason.short()),
            _ => format!("    {} · {}", score_text(r.score, method), r.reason),
        };
        lines.push(Line::styled(fit(&title, width), style));
        lines.push(Line::styled(fit(&reason, width), theme.dim()));
    }
    lines
}

fn score_text(score: f64, method: Method) -> String {
    match method {
        Method::Kmeans => format!("{} units", thousands(score.max(0.0) as usize)),
        _ => format!("{score:.2}"),
    }
}
