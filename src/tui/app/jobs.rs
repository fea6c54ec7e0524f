//! Background jobs as the app sees them: starting one, taking in how it ended, and the
//! calibration the prompt asks for.

use super::*;

impl App {
    /// Register a new running job and ask the loop to start it.
    pub fn start_job(&mut self, title: String, kind: JobKind) -> Effect {
        let id = self.next_job;
        self.next_job += 1;
        self.jobs.push(Job {
            id,
            title: title.clone(),
            started: std::time::Instant::now(),
            progress: None,
            note: "starting".into(),
            status: JobStatus::Running,
            cancelling: false,
        });
        self.sel.job = self.jobs.len() - 1;
        self.info(format!("started: {title} (w: jobs, x there cancels)"));
        Effect::Spawn { id, kind }
    }

    pub(super) fn job_finished(&mut self, id: JobId, result: JobOutcome) -> Vec<Effect> {
        let Some(j) = self.jobs.iter_mut().find(|j| j.id == id) else {
            return Vec::new();
        };
        let title = j.title.clone();
        j.cancelling = false;
        let mut effects = Vec::new();
        match result {
            JobOutcome::Done(msg) => {
                j.progress = Some(1.0);
                j.status = JobStatus::Done(msg.clone());
                self.info(format!("{title}: {msg}"));
            }
            JobOutcome::PricesRefreshed { book, message, .. } => {
                j.progress = Some(1.0);
                j.status = JobStatus::Done(message.clone());
                effects = self.apply_book(&book);
                self.info(format!("{title}: {message}; prices applied"));
            }
            JobOutcome::Calibrated(msg) => {
                j.progress = Some(1.0);
                j.status = JobStatus::Done(msg.clone());
                self.info(format!("{title}: {msg}"));
                // Reload so the calibration moves the figures; edits are not dropped unasked.
                if self.any_unsaved() {
                    self.view.overlay = Overlay::Confirm(Question::Reload);
                } else {
                    effects.push(Effect::Reload);
                }
            }
            JobOutcome::Failed(msg) => {
                j.status = JobStatus::Failed(msg.clone());
                self.error(format!("{title} failed: {msg}"));
            }
            JobOutcome::Cancelled => {
                j.status = JobStatus::Cancelled;
                self.info(format!("{title}: cancelled"));
            }
        }
        effects
    }

    /// The calibration the prompt describes (`FUNCTION SIZES`), as a question with its plan.
    pub(super) fn calibration(&self) -> Result<Question, String> {
        use crate::aws::lambda::FunctionInfo;
        use crate::calibrate::PlanRequest;
        use crate::calibrate::plan::{self, MemorySizes, OutOfRange};
        const INVOCATIONS: u32 = 20;
        const CAP: u64 = 1000;
        let mut words = self.input.split_whitespace();
        let function = words.next().ok_or("give the function's name or ARN")?;
        let mut sizes = MemorySizes::default();
        for w in words.flat_map(|w| w.split(',')).filter(|w| !w.is_empty()) {
            let m: u32 = w
                .parse()
                .map_err(|_| format!("`{w}` is not a memory size in MB"))?;
            sizes
                .add(m)
                .map_err(|OutOfRange(m)| format!("{m} MB is out of range (128..=10240)"))?;
        }
        let sizes = sizes
            .into_list()
            .ok_or("give at least one memory size, e.g. 512,1024,2048")?;
        let (l, wi, _) = self.selected().ok_or("select a workload")?;
        let doc = self.doc().ok_or("select a workload")?;
        let workload = l.edited.workloads.get(wi).ok_or("select a workload")?;
        let region = l.edited.region.clone();
        let req = PlanRequest {
            function: function.to_string(),
            region: region.clone(),
            sizes: sizes.clone(),
            invocations: INVOCATIONS,
            concurrency: 1,
            payload_bytes: 2,
            run_id: String::new(),
        };
        let total = req.total_invocations();
        if total > CAP {
            return Err(format!("{total} invocations is more than the cap of {CAP}"));
        }
        // The function's timeout is not known before reading its configuration (an AWS
        // call): price the worst case at Lambda's maximum timeout, an upper bound.
        let upper = FunctionInfo {
            name: function.to_string(),
            arn: function.to_string(),
            memory_mb: 128,
            timeout_s: 900,
            architecture: l.edited.platforms.lambda.architecture,
            ephemeral_storage_mb: 512,
            log_format: "Text".into(),
            snap_start: false,
            runtime: None,
            state: String::new(),
            last_update_status: String::new(),
            description: None,
        };
        let most = plan::worst_case_usd(&req, &upper, &l.book.book)
            .map_err(|m| format!("cannot price Lambda: {m}"))?;
        let sizes_text = sizes
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let text = format!(
            "Calibrate `{}` on Lambda function {function} ({region})? {total} invocations \
             ({INVOCATIONS} at each of {sizes_text} MB, cap {CAP}), at most {} (every call at \
             the 900 s maximum timeout). For each size it sets $LATEST's memory, publishes a \
             version and an alias, invokes the alias; then deletes them and restores the \
             memory, also on failure or x. Writes {}.",
            workload.name,
            plan::money(most),
            crate::profile::sidecar_path(&doc.path).display()
        );
        Ok(Question::Calibrate {
            plan: text,
            job: CalibrationJob {
                profile: doc.path.clone(),
                workload: workload.name.clone(),
                threads: workload.request.threads.max(1),
                function: function.to_string(),
                region,
                sizes,
                invocations: INVOCATIONS,
                book: Box::new(l.book.book.clone()),
                endpoint_url: self.lambda_endpoint.clone(),
            },
        })
    }

    /// Use a new price book for every profile priced in its region, and re-plan them.
    pub(super) fn apply_book(&mut self, book: &crate::pricing::LoadedBook) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (di, d) in self.docs.iter_mut().enumerate() {
            if let Ok(l) = &mut d.state
                && l.book.book.region == book.book.region
            {
                l.book = book.clone();
                l.source = book.provenance();
                effects.push(l.replan(di, Stale::All));
            }
        }
        effects
    }
}
