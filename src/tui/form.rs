//! The parameters form (`p`): K (or auto), neighbours, list length, outlier share and seed.
//! Applying it refits only the stages the changed values affect.

use crossterm::event::{KeyCode, KeyEvent};

use crate::pipeline::Params;

/// Form fields, in order.
pub const FIELDS: [&str; 5] = [
    "K (0 = auto)",
    "neighbours",
    "list length N",
    "outlier share",
    "seed",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    Up,
    Down,
    Increase,
    Decrease,
    Char(char),
    Backspace,
    Apply,
    Cancel,
}

impl FormAction {
    pub fn from_key(key: KeyEvent) -> Option<FormAction> {
        Some(match key.code {
            KeyCode::Up | KeyCode::BackTab => FormAction::Up,
            KeyCode::Down | KeyCode::Tab => FormAction::Down,
            KeyCode::Right | KeyCode::Char('+') => FormAction::Increase,
            KeyCode::Left | KeyCode::Char('-') => FormAction::Decrease,
            KeyCode::Backspace => FormAction::Backspace,
            KeyCode::Enter => FormAction::Apply,
            KeyCode::Esc => FormAction::Cancel,
            KeyCode::Char(c) if c.is_ascii_digit() || c == '.' => FormAction::Char(c),
            _ => return None,
        })
    }
}

/// The values being edited, as text so that typing works naturally.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsForm {
    pub values: [String; 5],
    pub field: usize,
    pub error: Option<String>,
}

impl ParamsForm {
    pub fn new(params: &Params) -> ParamsForm {
        ParamsForm {
            values: [
                params.k.unwrap_or(0).to_string(),
                params.neighbours.to_string(),
                params.top_n.to_string(),
                format!("{}", params.outlier_share),
                params.seed.to_string(),
            ],
            field: 0,
            error: None,
        }
    }

    pub fn apply(&mut self, action: FormAction) {
        self.error = None;
        let value = &mut self.values[self.field];
        match action {
            FormAction::Up => self.field = (self.field + FIELDS.len() - 1) % FIELDS.len(),
            FormAction::Down => self.field = (self.field + 1) % FIELDS.len(),
            // Only the outlier share takes a decimal point; every field stays short.
            FormAction::Char(c)
                if value.len() < 10 && (c.is_ascii_digit() || (self.field == 3 && c == '.')) =>
            {
                value.push(c)
            }
            FormAction::Char(_) => {}
            FormAction::Backspace => {
                value.pop();
            }
            FormAction::Increase | FormAction::Decrease => {
                let up = action == FormAction::Increase;
                if self.field == 3 {
                    let share: f64 = value.parse().unwrap_or(0.05);
                    let next = if up { share + 0.01 } else { share - 0.01 };
                    *value = format!("{:.2}", next.clamp(0.0, 0.49));
                } else {
                    let n: u64 = value.parse().unwrap_or(0);
                    *value = if up {
                        n.saturating_add(1)
                    } else {
                        n.saturating_sub(1)
                    }
                    .to_string();
                }
            }
            FormAction::Apply | FormAction::Cancel => {}
        }
    }

    /// The parameters the form describes, or what is wrong with them.
    pub fn params(&self, current: &Params) -> Result<Params, String> {
        let number = |i: usize| -> Result<u64, String> {
            let text = self.values[i].trim();
            if text.is_empty() {
                return Err(format!("{} is empty: type a whole number", FIELDS[i]));
            }
            text.parse()
                .map_err(|_| format!("{} is too large", FIELDS[i]))
        };
        let k = number(0)? as usize;
        let share: f64 = self.values[3]
            .trim()
            .parse()
            .map_err(|_| "outlier share must be a number such as 0.05".to_string())?;
        let params = Params {
            k: (k > 0).then_some(k),
            neighbours: number(1)? as usize,
            top_n: number(2)? as usize,
            outlier_share: share,
            seed: number(4)?,
            ..current.clone()
        };
        params.validate().map_err(|e| e.to_string())?;
        Ok(params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_and_stepping_change_the_parameters() {
        let mut form = ParamsForm::new(&Params::default());
        form.apply(FormAction::Increase);
        form.apply(FormAction::Increase);
        form.apply(FormAction::Increase);
        form.apply(FormAction::Down);
        while !form.values[1].is_empty() {
            form.apply(FormAction::Backspace);
        }
        form.apply(FormAction::Char('5'));
        let params = form.params(&Params::default()).unwrap();
        assert_eq!(params.k, Some(3));
        assert_eq!(params.neighbours, 5);
    }

    #[test]
    fn bad_values_are_explained() {
        let mut form = ParamsForm::new(&Params::default());
        form.field = 3;
        form.values[3] = "0.7".into();
        assert!(form
            .params(&Params::default())
            .unwrap_err()
            .contains("outlier share"));
    }
}
