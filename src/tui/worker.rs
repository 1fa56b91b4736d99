//! The worker thread: loading and every model stage run here, never on the UI thread. It
//! sends progress, results or a failure back over a channel. Each request carries a
//! number; a newer request cancels the one running (at the next stage boundary) and
//! replaces any still queued, so the newest request wins.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread;

use crate::data::clean::CleaningRules;
use crate::data::load::LoadOptions;
use crate::error::AisleError;
use crate::model::evaluate::{evaluate_file, Evaluation};
use crate::pipeline::{fit, prepare, Model, Observer, Params, Prepared, Stage};

/// What the UI asks for.
#[derive(Debug, Clone)]
pub enum Job {
    /// Read and prepare a file, then fit the models.
    Analyse {
        path: PathBuf,
        options: LoadOptions,
        rules: CleaningRules,
        params: Params,
    },
    /// Refit on the prepared data with new parameters, reusing what they do not affect.
    Refit { params: Params },
    /// Fit on the first part of the log and score the lists against the rest.
    Evaluate {
        path: PathBuf,
        options: LoadOptions,
        rules: CleaningRules,
        params: Params,
    },
}

/// What the worker reports.
pub enum Message {
    Stage {
        job: u64,
        stage: Stage,
    },
    Prepared {
        job: u64,
        prepared: Arc<Prepared>,
    },
    Fitted {
        job: u64,
        model: Box<Model>,
    },
    Evaluated {
        job: u64,
        evaluation: Box<Evaluation>,
    },
    Failed {
        job: u64,
        message: String,
    },
}

/// The UI's handle on the worker thread.
pub struct Worker {
    jobs: Option<Sender<(u64, Job)>>,
    latest: Arc<AtomicU64>,
    thread: Option<thread::JoinHandle<()>>,
}

struct Progress<'a> {
    job: u64,
    latest: &'a AtomicU64,
    messages: &'a Sender<Message>,
}

impl Observer for Progress<'_> {
    fn stage(&self, stage: Stage) {
        let _ = self.messages.send(Message::Stage {
            job: self.job,
            stage,
        });
    }

    fn cancelled(&self) -> bool {
        self.latest.load(Ordering::SeqCst) != self.job
    }
}

impl Worker {
    /// Starts the thread; results arrive on the returned receiver.
    pub fn start() -> (Worker, Receiver<Message>) {
        let (jobs, job_queue) = channel::<(u64, Job)>();
        let (messages, inbox) = channel();
        let latest = Arc::new(AtomicU64::new(0));
        let seen = latest.clone();
        let thread = thread::Builder::new()
            .name("aisle-worker".into())
            .spawn(move || work(job_queue, messages, seen))
            .expect("the operating system refused to start the worker thread");
        let worker = Worker {
            jobs: Some(jobs),
            latest,
            thread: Some(thread),
        };
        (worker, inbox)
    }

    /// Queues a job and returns its number; any older job is abandoned.
    pub fn submit(&self, job: Job) -> u64 {
        let id = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send((id, job));
        }
        id
    }

    /// Cancels the running job and waits until the thread has ended (at the next stage
    /// boundary).
    pub fn finish(mut self) {
        self.cancel();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn cancel(&mut self) {
        self.latest.fetch_add(1, Ordering::SeqCst);
        self.jobs = None;
    }
}

impl Drop for Worker {
    /// Abandons the running job without waiting for it.
    fn drop(&mut self) {
        self.cancel();
    }
}

fn work(queue: Receiver<(u64, Job)>, messages: Sender<Message>, latest: Arc<AtomicU64>) {
    let mut prepared: Option<Arc<Prepared>> = None;
    let mut model: Option<Model> = None;
    while let Ok(mut next) = queue.recv() {
        // Only the newest queued request matters.
        while let Ok(newer) = queue.try_recv() {
            next = newer;
        }
        let (job, request) = next;
        let observer = Progress {
            job,
            latest: &latest,
            messages: &messages,
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_job(request, &observer, &mut prepared, &mut model)
        }));
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(AisleError::Cancelled)) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(_) => Some("internal error while computing; see the log (--log)".to_string()),
        };
        if let Some(message) = failure {
            tracing::warn!(job, %message, "job failed");
            let _ = messages.send(Message::Failed { job, message });
        }
    }
}

fn run_job(
    request: Job,
    observer: &Progress,
    prepared: &mut Option<Arc<Prepared>>,
    model: &mut Option<Model>,
) -> Result<(), AisleError> {
    let params = match request {
        Job::Analyse {
            path,
            options,
            rules,
            params,
        } => {
            let data = Arc::new(prepare(&path, &options, &rules, observer)?);
            *prepared = Some(data.clone());
            *model = None;
            let _ = observer.messages.send(Message::Prepared {
                job: observer.job,
                prepared: data,
            });
            params
        }
        Job::Refit { params } => params,
        Job::Evaluate {
            path,
            options,
            rules,
            params,
        } => {
            let evaluation = evaluate_file(&path, &options, &rules, &params, None, observer)?;
            let _ = observer.messages.send(Message::Evaluated {
                job: observer.job,
                evaluation: Box::new(evaluation),
            });
            return Ok(());
        }
    };
    let Some(data) = prepared.as_ref() else {
        return Err(AisleError::Parameter("no data loaded yet".into()));
    };
    let fitted = fit(data, &params, model.as_ref(), observer)?;
    *model = Some(fitted.clone());
    let _ = observer.messages.send(Message::Fitted {
        job: observer.job,
        model: Box::new(fitted),
    });
    Ok(())
}
