//! SDK configuration, clients per account and region, and short accounts of failed calls.

use super::options::LiveOptions;

/// Attempts per call, throttling retries included: `AWS_MAX_ATTEMPTS`, or 5.
pub(super) fn max_attempts() -> u32 {
    std::env::var("AWS_MAX_ATTEMPTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(5)
}

/// A short account of a failed call: the service's error code and message, or what went wrong
/// on the way (the SDK's full chain is long and repeats itself).
pub(super) fn short_error<
    E: aws_sdk_ecs::error::ProvideErrorMetadata + std::error::Error + 'static,
>(
    error: &aws_sdk_ecs::error::SdkError<E>,
) -> String {
    use aws_sdk_ecs::error::SdkError;
    match error {
        SdkError::ServiceError(service) => {
            let inner = service.err();
            format!(
                "{}: {}",
                inner.code().unwrap_or("error"),
                inner.message().unwrap_or("no message")
            )
        }
        SdkError::DispatchFailure(failure) if failure.is_io() => {
            "could not connect to the endpoint".into()
        }
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "timed out".into(),
        SdkError::TimeoutError(_) => "timed out".into(),
        SdkError::ResponseError(_) => "the response could not be read".into(),
        other => aws_sdk_ecs::error::DisplayErrorContext(other).to_string(),
    }
}

/// Builds the SDK configuration for one region: the standard credential chain, an optional
/// profile and endpoint, and adaptive retries for throttling.
pub(super) async fn sdk_config(
    options: &LiveOptions,
    region: &str,
    credentials: Option<aws_config::sts::AssumeRoleProvider>,
) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .retry_config(aws_config::retry::RetryConfig::adaptive().with_max_attempts(max_attempts()));
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    loader.load().await
}

/// One account and region's clients. Each gets its own retry partition: AWS throttles per account
/// and region, and the SDK's default partition (per service and region) would let one throttled
/// account slow the others read in the same process.
pub(super) struct Scope {
    config: aws_config::SdkConfig,
    partition: String,
}

impl Scope {
    pub fn new(config: aws_config::SdkConfig, account: &str) -> Scope {
        let region = config.region().map(ToString::to_string).unwrap_or_default();
        Scope {
            config,
            partition: format!("{region}-{account}"),
        }
    }

    fn retry_partition(&self, service: &str) -> aws_sdk_ecs::config::retry::RetryPartition {
        aws_sdk_ecs::config::retry::RetryPartition::new(format!("{service}-{}", self.partition))
    }

    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        let config = aws_sdk_ecs::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("ecs"))
            .build();
        aws_sdk_ecs::Client::from_conf(config)
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("iam"))
            .build();
        aws_sdk_iam::Client::from_conf(config)
    }

    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        let config = aws_sdk_ec2::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("ec2"))
            .build();
        aws_sdk_ec2::Client::from_conf(config)
    }

    pub fn autoscaling(&self) -> aws_sdk_autoscaling::Client {
        let config = aws_sdk_autoscaling::config::Builder::from(&self.config)
            .retry_partition(self.retry_partition("autoscaling"))
            .build();
        aws_sdk_autoscaling::Client::from_conf(config)
    }
}
