/**
 * Turns an engine stepper (push / finish / release) into an RxJS operator. This is how every
 * stage of `src/` joins the reactive pipeline: state is created per subscription, end of input
 * flushes what look-ahead held back, unsubscribing releases the state, and anything a stepper
 * throws travels the error channel instead of escaping.
 */
import { Observable, type OperatorFunction } from 'rxjs';

export interface Stepper<In, Out> {
  push(input: In): Out;
  finish(): Out;
  release?(): void;
}

/**
 * `create` runs once per subscription. `isEmpty` decides which outputs are worth emitting
 * (a stage that has nothing ready returns an empty block).
 */
export function stepperOperator<In, Out>(
  create: () => Stepper<In, Out>,
  isEmpty: (output: Out) => boolean = () => false,
): OperatorFunction<In, Out> {
  return (source) =>
    new Observable<Out>((subscriber) => {
      let stepper: Stepper<In, Out>;
      try {
        stepper = create();
      } catch (error) {
        subscriber.error(error);
        return;
      }
      const subscription = source.subscribe({
        next(input) {
          let output: Out;
          try {
            output = stepper.push(input);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (!isEmpty(output)) subscriber.next(output);
        },
        error(error) {
          subscriber.error(error);
        },
        complete() {
          let output: Out;
          try {
            output = stepper.finish();
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (!isEmpty(output)) subscriber.next(output);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        stepper.release?.();
      };
    });
}
